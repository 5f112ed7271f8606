import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from members.models import Role
from tests.e2e.conftest import new_page, sign_in
from tests.factories import MemberFactory, current_totp_code, give_totp

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def test_co_lead_writes_previews_and_sends_and_a_member_reads_it(
    page, browser, live_server
):
    co_lead = MemberFactory(roles=[Role.RESIDENT, Role.CO_LEAD])
    give_totp(co_lead.user)
    reader = MemberFactory()
    sign_in(page, co_lead.user, current_totp_code())
    page.get_by_role("button", name="Manage").click()
    page.get_by_role("link", name="Send newsletters").click()
    page.get_by_role("link", name="Write a newsletter").click()
    page.get_by_label("Subject").fill("Orientation week")
    page.get_by_label("Body").fill("Join us **Friday** at 5 pm.")
    page.get_by_role("button", name="Save and preview").click()
    expect(page.get_by_test_id("recipient-count")).to_contain_text(
        "2 members will receive it"
    )
    expect(page.locator(".newsletter-body strong")).to_have_text("Friday")
    page.get_by_role("button", name=re.compile(r"Send now to 2")).click()
    # A real confirm page says who and how many before anything goes out.
    expect(page.get_by_test_id("confirm-summary")).to_contain_text(
        "2 members will receive it now"
    )
    assert not mail.outbox
    page.get_by_role("button", name="Send now to 2 members").click()
    expect(page.get_by_test_id("newsletter-status")).to_have_text("Sent")
    expect(page.get_by_test_id("progress")).to_contain_text("Sent: 2")
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [co_lead.user.email, reader.user.email]
    )

    other, reader_page = new_page(browser, live_server)  # axe-checked too
    sign_in(reader_page, reader.user)
    reader_page.get_by_role("button", name="More").click()
    reader_page.get_by_role("link", name="Newsletters").click()
    reader_page.get_by_role("link", name="Orientation week").click()
    expect(reader_page.get_by_role("heading", level=1)).to_have_text("Orientation week")
    expect(reader_page.locator(".newsletter-body")).to_contain_text("Join us Friday")
    other.close()
