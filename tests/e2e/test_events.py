import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from members.models import Role
from tests.e2e.conftest import new_page, sign_in
from tests.factories import MemberFactory, current_totp_code, give_totp

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def test_gme_publishes_a_resident_says_yes_and_a_waitlisted_member_gets_the_seat(
    page, browser, live_server
):
    gme = MemberFactory(roles=[Role.GME_STAFF], visa_status="", training_stage="")
    give_totp(gme.user)
    resident = MemberFactory()
    waiting = MemberFactory()
    start = timezone.localtime(timezone.now() + timedelta(days=10)).replace(
        hour=18, minute=0
    )

    # GME staff announce a happy hour with one seat.
    sign_in(page, gme.user, current_totp_code())
    page.get_by_role("button", name="Manage").click()
    page.get_by_role("link", name="New event").click()
    page.get_by_label("Title").fill("IMG happy hour")
    page.get_by_label("Kind").select_option(label="Happy hour / social")
    page.get_by_label("Starts").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Ends").fill(
        (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_label("Place").fill("Faculty Club")
    page.get_by_label("Capacity").fill("1")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("event-status")).to_contain_text("Draft")
    page.get_by_role("button", name="Publish and announce").click()
    expect(page.get_by_test_id("confirm-summary")).to_contain_text(
        "The announcement goes to"
    )
    assert not any(m.subject.startswith("New event") for m in mail.outbox)
    page.get_by_role(
        "button", name=re.compile(r"^Publish and email \d+ member")
    ).click()
    expect(
        page.get_by_text("Published. The announcement is on its way")
    ).to_be_visible()
    assert any(m.subject == "New event: IMG happy hour" for m in mail.outbox)

    # A resident says yes and takes the calendar file.
    context, resident_page = new_page(browser, live_server, accept_downloads=True)
    sign_in(resident_page, resident.user)
    resident_page.get_by_role("link", name="Events", exact=True).click()
    resident_page.get_by_role("link", name="IMG happy hour").click()
    resident_page.get_by_role("button", name="Yes, I'm coming").click()
    expect(resident_page.get_by_test_id("my-rsvp")).to_contain_text("You're going")
    with resident_page.expect_download() as download:
        resident_page.get_by_role("link", name="Add to my calendar (.ics)").click()
    ics = open(download.value.path(), encoding="utf-8").read()
    assert ics.startswith("BEGIN:VCALENDAR")
    assert "SUMMARY:IMG happy hour" in ics

    # The event is full: the next member joins the waitlist.
    waiting_context, waiting_page = new_page(
        browser, live_server, accept_downloads=True
    )
    sign_in(waiting_page, waiting.user)
    waiting_page.goto(resident_page.url)
    waiting_page.get_by_role("button", name="Join the waitlist").click()
    expect(waiting_page.get_by_test_id("my-rsvp")).to_contain_text("on the waitlist")

    # The resident can't come after all: the seat is offered by email.
    resident_page.get_by_role("button", name="I can't come after all").click()
    expect(resident_page.get_by_test_id("my-rsvp")).to_contain_text("not going")
    offer = next(
        m
        for m in mail.outbox
        if m.to == [waiting.user.email] and m.subject.startswith("A seat is free")
    )
    path = re.search(r"/events/offers/\S+/", offer.body).group(0)
    waiting_page.goto(path)
    waiting_page.get_by_role("button", name="Yes, I'm coming").click()
    expect(waiting_page.get_by_role("heading", level=1)).to_have_text("You're going")
    waiting_page.get_by_role("link", name="IMG happy hour").click()
    expect(waiting_page.get_by_test_id("my-rsvp")).to_contain_text("You're going")
    context.close()
    waiting_context.close()
