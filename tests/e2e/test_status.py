"""The demo resident plans a trip home and sees at once that the travel signature
will have lapsed."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.factories import MemberFactory, UserFactory
from tracker.demo import DEMO_RESIDENT, seed_tracker

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def test_the_demo_resident_adds_a_trip_and_sees_the_travel_signature_warning(page):
    resident = MemberFactory(user=UserFactory(email=DEMO_RESIDENT), visa_status="j1")
    seed_tracker()
    sign_in(page, resident.user)
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="My status", exact=True
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My status timeline")
    warnings = page.get_by_test_id("warnings")
    expect(warnings).to_contain_text("Your passport expires on")
    expect(warnings).not_to_contain_text("travel signature")

    leaves = timezone.localdate() + timedelta(days=45)
    page.get_by_role("link", name="Plan a trip abroad").click()
    page.get_by_label("Country").select_option(label="India")
    page.get_by_label("Leaving on").fill(leaves.isoformat())
    page.get_by_label("Back on").fill((leaves + timedelta(days=15)).isoformat())
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Saved. Only you can see this.")).to_be_visible()
    expect(warnings).to_contain_text(
        "Get a new travel signature before your trip to India"
    )
    trip = page.get_by_test_id("trip")
    expect(trip).to_contain_text("Travel signature")
    expect(trip).to_contain_text("Not in order")
