"""Emails and the pages that speak for the group name it as the deployment does
(GROUP_NAME, GROUP_SHORT_NAME, GROUP_GME_OFFICE, GROUP_CONTACT_EMAIL), never by a
fixed "IMG group": a hospital that calls its group Riverside IMG Network signs
its emails so. The declined join request says where to write, and its Reply-To
reaches that address when the deployment has one."""

import pytest
from django.core import mail
from django.urls import reverse, reverse_lazy

from tests.conftest import client_for
from tests.test_email_templates import (
    ACCOUNT_EMAILS,
    _portal_emails,
    _render,
    _render_account,
)

NAME = "Riverside IMG Network"
SHORT = "RIN"
GME = "the Riverside Office of Graduate Medical Education"
CONTACT = "img-network@riverside.example"

# The emails that end with the group's sign-off (before the footer).
SIGNED = [
    "events/email/attendee_message",
    "events/email/event_cancelled",
    "events/email/event_changed",
    "events/email/feedback_request",
    "events/email/nudge",
    "events/email/reminder",
    "events/email/rsvp_confirmed",
    "events/email/rsvp_refused",
    "events/email/seat_offer",
    "leadership/email/deadline",
    "members/email/approved",
    "members/email/co_lead_invitation",
    "members/email/co_lead_term_ended",
    "members/email/declined",
    "members/email/deletion_requested",
    "members/email/rollover_proposal",
    "mentorship/email/accepted",
    "mentorship/email/answered",
    "mentorship/email/declined",
    "mentorship/email/proposed",
    "mentorship/email/question",
    "mentorship/email/reminder",
]
# Emails with their own HTML part (the others lay out the text part).
OWN_HTML = ["events/email/reminder", "events/email/rsvp_confirmed"]


@pytest.fixture
def riverside(settings):
    settings.GROUP_NAME = NAME
    settings.GROUP_SHORT_NAME = SHORT
    settings.GROUP_GME_OFFICE = GME
    settings.GROUP_CONTACT_EMAIL = ""
    return settings


def _body(text: str) -> str:
    """The text part without the footer every email ends with."""
    body, separator, _ = text.rpartition("\n--\n")
    assert separator, "the footer starts with a '--' line"
    return body.rstrip()


def test_the_signed_emails_are_real_ones():
    assert set(SIGNED) <= set(_portal_emails()), set(SIGNED) - set(_portal_emails())


@pytest.mark.parametrize("prefix", _portal_emails())
def test_no_email_names_a_fixed_img_group(prefix, riverside):
    subject, text, html, _ = _render(prefix)
    for part in (subject, text, html):
        assert "img group" not in part.lower(), prefix
        assert "GME office" not in part, prefix


@pytest.mark.parametrize("prefix", SIGNED)
def test_the_sign_off_is_the_configured_group_name(prefix, riverside):
    _, text, _, _ = _render(prefix)
    assert _body(text).endswith(f"\n{NAME}"), _body(text)[-200:]


@pytest.mark.parametrize("prefix", OWN_HTML)
def test_an_html_part_of_its_own_signs_with_the_group_name(prefix, riverside):
    _, _, html, _ = _render(prefix)
    assert f'<p style="margin:0 0 16px">{NAME}</p>' in html


def test_the_invitation_to_co_lead_names_the_group(riverside):
    subject, text, _, _ = _render("members/email/co_lead_invitation")
    assert subject == f"[{SHORT}] You are invited to co-lead {NAME}"
    assert f"become a co-lead of {NAME} from" in text


def test_the_digest_names_the_group(riverside):
    _, text, html, _ = _render("notifications/email/digest")
    assert f"This week in {NAME}:" in text
    assert f"This week in {NAME}:" in html


def test_the_welcome_names_the_group(riverside):
    _, text, _, _ = _render("members/email/approved")
    assert f"Welcome to {NAME}!" in text


def test_a_decline_without_a_contact_address_points_to_the_gme_office(riverside):
    subject, text, _, _ = _render("members/email/declined")
    assert subject == f"[{SHORT}] About your request to join"
    body = _body(text)
    assert f"The co-leads of {NAME} could not approve" in body
    assert GME in body
    assert "reply" not in body.lower()  # sent from no-reply, no Reply-To


def test_a_decline_with_a_contact_address_says_write_to_it(riverside):
    riverside.GROUP_CONTACT_EMAIL = CONTACT
    _, text, html, _ = _render("members/email/declined")
    body = _body(text)
    assert f"write to {CONTACT}" in body
    assert GME in body
    assert f'href="mailto:{CONTACT}"' in html or CONTACT in html


@pytest.mark.django_db
def test_the_decline_email_replies_to_the_contact_address(
    riverside, pending_member, co_lead, django_capture_on_commit_callbacks
):
    from members.services import member_decline

    riverside.GROUP_CONTACT_EMAIL = CONTACT
    with django_capture_on_commit_callbacks(execute=True):
        member_decline(member=pending_member, by=co_lead.user)
    (message,) = mail.outbox
    assert message.extra_headers["Reply-To"] == CONTACT
    assert f"write to {CONTACT}" in message.body
    assert GME in message.body


@pytest.mark.django_db
def test_the_decline_email_has_no_reply_to_without_a_contact_address(
    riverside, pending_member, co_lead, django_capture_on_commit_callbacks
):
    from members.services import member_decline

    with django_capture_on_commit_callbacks(execute=True):
        member_decline(member=pending_member, by=co_lead.user)
    (message,) = mail.outbox
    assert "Reply-To" not in message.extra_headers
    assert "reply" not in _body(message.body).lower()


@pytest.mark.django_db
def test_the_waiting_page_names_the_group(riverside, pending_member):
    page = client_for(pending_member).get(reverse("members:pending"))
    content = page.content.decode()
    assert f"The co-leads of {NAME} check every request" in content
    assert "IMG group" not in content


@pytest.mark.django_db
def test_the_gme_staff_home_names_the_group_and_the_office(riverside, gme_staff):
    content = client_for(gme_staff).get(reverse("home")).content.decode()
    assert f"{NAME} at a glance, for {GME}:" in content
    assert "IMG group" not in content


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", ACCOUNT_EMAILS)
def test_no_account_email_names_a_fixed_img_group(prefix, riverside):
    _, text, html, _ = _render_account(prefix)
    for part in (text, html):
        assert "img group" not in part.lower(), prefix
    assert _body(text).endswith(f"\n{NAME}")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (reverse_lazy("home"), f"What needs you next in {NAME},"),
        (reverse_lazy("members:about"), f"About {NAME}"),
        (reverse_lazy("members:directory"), f"Approved members of {NAME}."),
        (reverse_lazy("members:manage"), f"ask the co-leads of {NAME}."),  # 403
    ],
)
def test_the_pages_a_resident_reads_name_the_group(riverside, resident, url, expected):
    response = client_for(resident).get(url)
    content = " ".join(response.content.decode().split())
    assert expected in content
    assert "IMG group" not in content
