import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from events.models import Rsvp
from members.demo import DEMO_PASSWORD
from members.models import Member, User
from tests.factories import (
    EventFactory,
    MemberFactory,
    current_totp_code,
    give_totp,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


@pytest.fixture
def demo_data():
    call_command("seed_demo", "--force", "--members", "12")


def _sign_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def test_demo_resident_signs_in_and_sees_the_resident_home(page, demo_data):
    resident = Member.objects.get(user__email="resident@demo.imgportal.test")
    dinner = EventFactory(
        title="Welcome dinner for new residents",
        starts_at=timezone.now() + timedelta(hours=2),
    )
    Rsvp.objects.create(event=dinner, member=resident, status=Rsvp.Status.YES)
    _sign_in(page, "resident@demo.imgportal.test")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Priya")
    # What needs her next: her next event and the passport warning of My status.
    events = page.get_by_role("region", name="Your next events")
    expect(events).to_contain_text("Welcome dinner for new residents")
    expect(events).to_contain_text("You're going")
    status = page.get_by_role("region", name="My status")
    expect(status).to_contain_text("Your passport expires on")
    expect(page.get_by_test_id("own-visa-status")).to_have_text("J-1")
    expect(page.get_by_role("link", name="Join requests")).to_have_count(0)
    # Keyboard: the first Tab reaches the skip link, which jumps to the content.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#content$"))
    # Signing out is a form POST from the navigation's Account menu.
    page.get_by_role("button", name="Account").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()


def test_co_lead_signs_in_with_2fa_and_approves_a_join(page, demo_data):
    co_lead = User.objects.get(email="colead@demo.imgportal.test")
    give_totp(co_lead)
    waiting = MemberFactory(status=Member.Status.PENDING)
    _sign_in(page, co_lead.email)
    page.get_by_label("Code").fill(current_totp_code())
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Co-lead home")
    page.get_by_role("button", name=f"Approve {waiting.full_name}").click()
    expect(page.get_by_role("status").first).to_contain_text(
        f"{waiting.full_name} is now a member"
    )
    waiting.refresh_from_db()
    assert waiting.status == Member.Status.ACTIVE


def test_gme_staff_without_2fa_is_asked_to_set_it_up(page, demo_data):
    _sign_in(page, "gme@demo.imgportal.test")
    page.goto("/")
    expect(page).to_have_url(
        re.compile(r"/accounts/(2fa/totp/activate|reauthenticate)/")
    )
