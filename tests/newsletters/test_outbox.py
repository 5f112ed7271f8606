"""The outbox: notifications survive a Redis outage and are sent exactly once."""

import time
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse
from kombu.exceptions import OperationalError

from imgportal import emails
from imgportal.models import OutboundEmail
from members.models import Member
from newsletters import services
from newsletters.models import Category
from tests.conftest import client_for
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_with_redis_down_an_approval_succeeds_fast_and_is_sent_later(
    co_lead, django_capture_on_commit_callbacks
):
    """The approval's welcome email waits in PostgreSQL until Redis is back."""
    waiting = MemberFactory(status=Member.Status.PENDING)
    down = OperationalError(
        "Error 111 connecting to 127.0.0.1:6379. Connection refused."
    )
    with (
        mock.patch("imgportal.tasks.send_email_task.apply_async", side_effect=down),
        django_capture_on_commit_callbacks(execute=True),
    ):
        started = time.monotonic()
        response = client_for(co_lead).post(
            reverse("members:join_request_decide", args=[waiting.pk]),
            {"decision": "approve"},
        )
        elapsed = time.monotonic() - started
    assert response.status_code == 302
    assert elapsed < 1
    waiting.refresh_from_db()
    assert waiting.status == Member.Status.ACTIVE
    email = OutboundEmail.objects.get(to=waiting.user.email)
    assert email.status == OutboundEmail.Status.QUEUED
    assert email.published_at is None
    assert mail.outbox == []
    # Redis is back; the beat task finds the row once it is a couple of minutes old.
    OutboundEmail.objects.filter(pk=email.pk).update(
        created_at=email.created_at - emails.REPUBLISH_AFTER * 2
    )
    assert emails.emails_republish() == 1
    assert emails.emails_republish() == 0
    assert len(mail.outbox) == 1
    assert "Welcome to the IMG group" in mail.outbox[0].body
    for link in ("/members/me/edit/", "/newsletters/", "/newsletters/preferences/"):
        assert f"http://testserver{link}" in mail.outbox[0].body


def test_a_notification_about_something_that_changed_is_not_sent_stale(
    resident, django_capture_on_commit_callbacks
):
    still_true = {"value": True}
    emails.register_stale_check("test_event_reminder")(
        lambda event: still_true["value"]
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
    services.unsubscribe(member_id=resident.pk, category=Category.MENTORSHIP)
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
    services.unsubscribe(member_id=co_lead.pk, category=Category.DIGEST)
    with django_capture_on_commit_callbacks(execute=True):
        member_approve(member=newcomer, by=co_lead.user)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.weekly_digest_send(now=timezone.now())
        services.weekly_digest_send(now=timezone.now())  # beat fired twice
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([resident.user.email, newcomer.user.email])
    assert "1 new member(s) joined" in mail.outbox[0].body
    assert "List-Unsubscribe" in mail.outbox[0].extra_headers
