import re
import time

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.factories import MemberFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

# Required fields end with crispy's "*"; "Password (again)" must not match.
PASSWORD_LABEL = re.compile(r"^\s*Password\W*$")


def _wait_for_email(count: int) -> mail.EmailMessage:
    deadline = time.monotonic() + 10
    while len(mail.outbox) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(mail.outbox) == count
    return mail.outbox[-1]


def _fill_signup(page, email: str) -> None:
    page.get_by_label("First name").fill("Amara")
    page.get_by_label("Last name").fill("Okafor")
    page.get_by_label("Email").fill(email)
    page.get_by_label(PASSWORD_LABEL).fill("stethoscope-on-call-42")
    page.get_by_label("Password (again)").fill("stethoscope-on-call-42")
    page.get_by_role("button", name="Sign Up").click()


def test_new_resident_signs_up_verifies_and_waits_for_approval(page):
    """Sign up → open the link from the email → sign in → the waiting page."""
    page.goto("/")
    page.get_by_role("link", name="Join the group").click()
    _fill_signup(page, "amara.okafor@example.org")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Verify your email address"
    )

    email = _wait_for_email(1)
    assert email.to == ["amara.okafor@example.org"]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", email.body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("amara.okafor@example.org")
    page.get_by_label("Password").fill("stethoscope-on-call-42")
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Awaiting approval by the co-leads"
    )
    page.goto("/members/join-requests/")
    expect(page).to_have_url(re.compile(r"/members/pending/$"))


def test_sign_up_with_a_taken_email_keeps_what_was_typed(page):
    MemberFactory(user__email="taken@example.org")
    page.goto("/accounts/signup/")
    _fill_signup(page, "taken@example.org")
    expect(
        page.get_by_text("A user is already registered with this email")
    ).to_be_visible()
    expect(page.get_by_label("First name")).to_have_value("Amara")
    expect(page.get_by_label("Email")).to_have_value("taken@example.org")
