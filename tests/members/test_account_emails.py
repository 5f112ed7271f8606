"""The account emails (confirm an address, reset a password) in the portal's
words: sentence case, naming the group, never allauth's stock "user … has given
your email address to register an account on <host>"."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from tests.conftest import client_for
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

PREFIX = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX
STOCK = (
    "has given your email",
    "You're receiving this email because",
    "Please Confirm",
    "Password Reset Email",
    "Thank you for using",
    "user account",
)


def _only_email():
    (message,) = mail.outbox
    ((html, _),) = message.alternatives
    return message, html


def _says_the_portals_words(message, html) -> None:
    group = settings.GROUP_NAME
    assert group in message.body and group in html
    for stock in STOCK:
        assert stock not in message.subject + message.body + html, stock
    # No host on its own (allauth wrote "an account on 127.0.0.1:8125"): hosts
    # appear only inside the links.
    without_links = re.sub(r"https?://\S+", "", message.body)
    assert "testserver" not in without_links


def test_the_sign_up_confirmation_says_what_happens_next(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_signup"),
            {
                "first_name": "Amara",
                "last_name": "Okafor",
                "email": "amara.okafor@example.org",
                "password1": "stethoscope-on-call-42",
                "password2": "stethoscope-on-call-42",
            },
        )
    message, html = _only_email()
    assert message.subject == f"{PREFIX}Confirm your email address to finish joining"
    _says_the_portals_words(message, html)
    assert f"Thanks for asking to join {settings.GROUP_NAME}" in message.body
    link = re.search(r"http://testserver/accounts/confirm-email/[-:\w]+/", message.body)
    assert link and f'href="{link.group()}"' in html
    assert "co-leads" in message.body  # who approves the request next


def test_confirming_an_added_address_says_it_was_added(
    resident, django_capture_on_commit_callbacks
):
    client = client_for(resident)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_email"),
            {"action_add": "", "email": "ana.second@example.org"},
        )
    message, html = _only_email()
    assert message.to == ["ana.second@example.org"]
    assert message.subject == f"{PREFIX}Confirm the email address you added"
    _says_the_portals_words(message, html)
    assert "added this email address" in message.body
    assert re.search(r"http://testserver/accounts/confirm-email/[-:\w]+/", message.body)


def test_a_password_reset_says_how_to_choose_a_new_password(
    client, django_capture_on_commit_callbacks
):
    member = MemberFactory()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": member.user.email})
    message, html = _only_email()
    assert message.subject == f"{PREFIX}Choose a new password"
    _says_the_portals_words(message, html)
    assert "your password stays as it is" in message.body
    assert re.search(
        r"http://testserver/accounts/password/reset/key/\S+/", message.body
    )
