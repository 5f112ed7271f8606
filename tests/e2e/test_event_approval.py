"""An orientation panel with limited seats (issue 20 items 8 and 9): a
resident asks to come, a co-lead approves from a phone-width page, the
resident sees their seat and code; GME's report then shows the money."""

from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from members.models import Role
from tests.e2e.conftest import new_page, sign_in
from tests.factories import EventFactory, MemberFactory, current_totp_code, give_totp

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def test_a_request_is_approved_from_a_phone_and_the_report_shows_the_money(
    page, browser, live_server
):
    from django.utils import timezone

    start = timezone.now() + timedelta(days=3)
    event = EventFactory(
        title="Orientation panel",
        requires_approval=True,
        capacity=10,
        budget=Decimal("300"),
        actual_cost=Decimal("320"),
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    resident = MemberFactory()
    co_lead = MemberFactory(roles=[Role.RESIDENT, Role.CO_LEAD])
    give_totp(co_lead.user)

    sign_in(page, resident.user)
    page.goto(event.get_absolute_url())
    page.get_by_role("button", name="Ask to come").click()
    expect(page.get_by_text("Your request is with the organisers")).to_be_visible()
    expect(page.get_by_test_id("my-rsvp")).to_contain_text("You asked to come")
    expect(page.get_by_test_id("personal-code")).to_have_count(0)

    context, phone = new_page(
        browser, live_server, viewport={"width": 390, "height": 844}
    )
    sign_in(phone, co_lead.user, current_totp_code())
    phone.goto(f"/events/{event.pk}/attendees/")
    phone.get_by_role("link", name="Waiting for approval (1)").click()
    approve = phone.get_by_role("button", name=f"Approve {resident.listed_name}")
    approve.focus()
    phone.keyboard.press("Enter")
    expect(phone.get_by_text(f"Approved {resident.listed_name}")).to_be_visible()
    phone.get_by_role("link", name="Going (1)").click()
    expect(phone.get_by_test_id("attendee-table")).to_contain_text(resident.listed_name)

    page.reload()
    expect(page.get_by_test_id("my-rsvp")).to_contain_text("You're going")
    expect(page.get_by_test_id("personal-code")).to_be_visible()

    # GME's report: budget and spend side by side, the numbers beside the bars,
    # readable at phone width; the printable version from its link.
    phone.goto("/events/report/")
    bars = phone.get_by_test_id("money-bars")
    expect(bars).to_contain_text("$300.00")
    expect(bars).to_contain_text("$320.00 ($20.00 over)")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    phone.get_by_role("link", name="Printable version").click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("events report for")
    context.close()
