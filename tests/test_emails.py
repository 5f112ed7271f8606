"""The shared email task: idempotent, sent after commit, retried when worth it."""

import smtplib
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.db import transaction

from notifications.models import OutboundEmail
from notifications.outbox import email_queue, email_queue_template
from notifications.tasks import send_email_task
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _queue(key="test:1", to="ana@example.org"):
    return email_queue(
        key=key, to=to, subject="Hello", body_text="Plain", body_html="<p>Rich</p>"
    )


def test_same_key_twice_sends_one_email(django_capture_on_commit_callbacks):
    """Queueing twice with one idempotency key stores and sends one message."""
    with django_capture_on_commit_callbacks(execute=True):
        first = _queue()
        second = _queue()
    assert first.pk == second.pk
    assert OutboundEmail.objects.count() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ana@example.org"]
    assert message.alternatives == [("<p>Rich</p>", "text/html")]
    first.refresh_from_db()
    assert first.status == OutboundEmail.Status.SENT
    assert first.sent_at is not None


def test_running_the_task_again_does_not_resend(django_capture_on_commit_callbacks):
    """A retried or duplicated task finds the email sent and does nothing."""
    with django_capture_on_commit_callbacks(execute=True):
        email = _queue()
    send_email_task.delay(email.pk)
    send_email_task.delay(email.pk)
    assert len(mail.outbox) == 1


def test_rolled_back_change_sends_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            _queue()
            raise RuntimeError("the change failed")
    assert OutboundEmail.objects.count() == 0
    assert mail.outbox == []


def test_nothing_is_sent_before_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _queue()
    assert mail.outbox == []
    assert len(callbacks) == 1


def test_template_email_renders_plain_text_unescaped(
    django_capture_on_commit_callbacks,
):
    """Plain-text mail shows names as typed (no HTML entities for O'Brien)."""
    member = MemberFactory(preferred_name="Siobhán O'Brien")
    with django_capture_on_commit_callbacks(execute=True):
        email_queue_template(
            key="tpl:1",
            to="ana@example.org",
            template_prefix="members/email/approved",
            context={"member": member, "home_path": "/"},
        )
    assert mail.outbox[0].subject == "[IMG Portal] Welcome: your membership is approved"
    assert "Hello Siobhán O'Brien," in mail.outbox[0].body
    assert "http://testserver/" in mail.outbox[0].body


def test_permanent_refusal_marks_failed_without_retry(
    django_capture_on_commit_callbacks,
):
    """An SMTP 5xx answer is final: the email is failed with the server's reason."""
    refusal_response = smtplib.SMTPResponseException(550, b"5.1.1 mailbox unavailable")
    with mock.patch(
        "django.core.mail.EmailMultiAlternatives.send", side_effect=refusal_response
    ):
        with django_capture_on_commit_callbacks(execute=True):
            email = _queue()
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.FAILED
    assert "550" in email.last_error
    assert "mailbox unavailable" in email.last_error


def test_temporary_failure_is_retried_then_given_up(django_capture_on_commit_callbacks):
    """A 451 answer schedules a retry; when retries run out the email is failed."""
    with django_capture_on_commit_callbacks(execute=False):
        email = _queue()
    busy = smtplib.SMTPResponseException(451, b"4.3.0 try again later")
    with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=busy):
        with pytest.raises(Retry):
            send_email_task.apply(args=[email.pk], throw=True)
        email.refresh_from_db()
        assert email.status == OutboundEmail.Status.QUEUED
        assert email.attempts == 1
        assert "451" in email.last_error
        send_email_task.apply(
            args=[email.pk], retries=send_email_task.max_retries, throw=True
        )
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.FAILED
    assert email.last_error.startswith("Gave up after retries")
    assert mail.outbox == []


def test_connection_error_is_retried(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        email = _queue()
    with mock.patch(
        "django.core.mail.EmailMultiAlternatives.send",
        side_effect=ConnectionRefusedError("connection refused"),
    ):
        with pytest.raises(Retry):
            send_email_task.apply(args=[email.pk], throw=True)
    email.refresh_from_db()
    assert email.attempts == 1
    assert "connection refused" in email.last_error
