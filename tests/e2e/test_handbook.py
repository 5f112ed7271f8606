"""An editor changes a handbook page, a co-lead reviews and publishes it, the diff
shows the change, and a resident reads and finds the new text."""

import pytest
from playwright.sync_api import expect

from members.models import Role
from tests.e2e.conftest import new_page, sign_in
from tests.factories import MemberFactory, current_totp_code, give_totp, published_page

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def test_an_edit_is_reviewed_published_compared_and_found(page, browser, live_server):
    co_lead = MemberFactory(roles=[Role.RESIDENT, Role.CO_LEAD])
    give_totp(co_lead.user)
    editor = MemberFactory(roles=[Role.RESIDENT, Role.HANDBOOK_EDITOR])
    resident = MemberFactory()
    handbook_page = published_page(by=co_lead.user)

    # The editor changes the page: a draft, not yet what readers see.
    sign_in(page, editor.user)
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Handbook", exact=True
    ).click()
    page.get_by_role("link", name="Finding a flat").first.click()
    page.get_by_role("link", name="Edit this page").click()
    text = page.get_by_label("Text")
    text.fill(
        text.input_value().replace("six weeks", "eight weeks")
        + "\nAsk about a guarantor service if you have no credit history.\n"
    )
    page.get_by_label("What changed").fill("Start earlier; guarantor services")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved as a draft")).to_be_visible()
    expect(page.get_by_test_id("revision-state")).to_contain_text("Waiting for review")

    # A co-lead reviews it and publishes it.
    context, reviewer = new_page(browser, live_server)
    sign_in(reviewer, co_lead.user, current_totp_code())
    reviewer.goto("/handbook/")
    reviewer.get_by_role("link", name="Edits waiting for review").click()
    reviewer.get_by_role("link", name="Finding a flat, revision 2").click()
    reviewer.get_by_role("button", name="Publish").click()
    expect(
        reviewer.get_by_text("Published: readers see this text now.")
    ).to_be_visible()

    # The history's comparison shows exactly what changed.
    reviewer.get_by_role("link", name="History", exact=True).click()
    reviewer.get_by_role("button", name="Compare").click()
    diff = reviewer.get_by_test_id("diff").last
    expect(diff.locator("del")).to_contain_text(["six"])
    expect(diff.locator("ins").first).to_contain_text("eight")
    context.close()

    # A resident reads the new text and finds it by searching.
    context, reader = new_page(browser, live_server)
    sign_in(reader, resident.user)
    reader.goto(handbook_page.get_absolute_url())
    expect(reader.get_by_test_id("page-body")).to_contain_text("eight weeks")
    reader.get_by_label("Search the handbook").fill("guarantor")
    reader.get_by_role("button", name="Search").click()
    results = reader.get_by_test_id("search-results")
    expect(results.get_by_role("link", name="Finding a flat")).to_be_visible()
    expect(results.locator("mark").first).to_have_text("guarantor")
    context.close()
