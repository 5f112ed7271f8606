"""The outbox: notifications survive a Redis outage and are sent exactly once."""

import pytest
from django.core import mail

from imgportal.hooks import STALE_CHECKS
from members.models import Member
from notifications import digest, preferences
from notifications import outbox as emails
from notifications.models import Category, OutboundEmail
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_a_notification_about_something_that_changed_is_not_sent_stale(
    resident, django_capture_on_commit_callbacks
):
    still_true = {"value": True}
    STALE_CHECKS.register(
        "tests", "test_event_reminder", lambda event: still_true["value"]
    )
    with django_capture_on_commit_callbacks(execute=False):
        email = emails.email_queue(
            key="reminder:1",
            to=resident.user.email,
            subject="Tomorrow",
            body_text="See you",
            member=resident,
            category=Category.EVENT_REMINDERS,
            stale_check={"kind": "test_event_reminder", "event": 7},
        )
    still_true["value"] = False  # the event was cancelled meanwhile
    emails.email_deliver(email_id=email.pk)
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.CANCELLED
    assert mail.outbox == []


def test_a_notification_carries_unsubscribe_headers_and_respects_opt_outs(
    resident, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        emails.email_queue(
            key="notice:1",
            to=resident.user.email,
            subject="Mentor found",
            body_text="Hi",
            member=resident,
            category=Category.MENTORSHIP,
        )
    headers = mail.outbox[0].extra_headers
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/newsletters/unsubscribe/" in headers["List-Unsubscribe"]
    preferences.unsubscribe(member_id=resident.pk, category=Category.MENTORSHIP)
    with django_capture_on_commit_callbacks(execute=True):
        email = emails.email_queue(
            key="notice:2",
            to=resident.user.email,
            subject="Another",
            body_text="Hi",
            member=resident,
            category=Category.MENTORSHIP,
        )
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SKIPPED
    assert len(mail.outbox) == 1


def test_weekly_digest_goes_once_to_members_who_want_it(
    resident, co_lead, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from members.services import member_approve

    newcomer = MemberFactory(status=Member.Status.PENDING)
    preferences.unsubscribe(member_id=co_lead.pk, category=Category.DIGEST)
    with django_capture_on_commit_callbacks(execute=True):
        member_approve(member=newcomer, by=co_lead.user)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        digest.weekly_digest_send(now=timezone.now())
        digest.weekly_digest_send(now=timezone.now())  # beat fired twice
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([resident.user.email, newcomer.user.email])
    assert "1 new member(s) joined" in mail.outbox[0].body
    assert "List-Unsubscribe" in mail.outbox[0].extra_headers
