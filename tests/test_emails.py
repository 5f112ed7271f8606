"""The shared email task: idempotent, sent after commit, retried when worth it."""

import re
import smtplib
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.db import transaction
from django.urls import reverse

from notifications.models import Category, OutboundEmail
from notifications.outbox import email_queue, email_queue_template
from notifications.tasks import send_email_task
from tests.factories import MemberFactory
from tests.smtp_sink import SmtpSink

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


# --- Both parts, as received (issue 22: email that looks like the group) -------


@pytest.fixture
def smtp(settings):
    """The portal's mail to a real SMTP server on a loopback port."""
    with SmtpSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = sink.port
        settings.EMAIL_USE_TLS = False
        yield sink


def _parts(message) -> list[tuple[str, str]]:
    """(content type, decoded text) of a multipart/alternative's parts."""
    return [
        (part.get_content_type(), part.get_payload(decode=True).decode())
        for part in message.get_payload()
    ]


def test_a_sent_notification_is_text_then_html_with_its_unsubscribe_link(
    smtp, django_capture_on_commit_callbacks
):
    """Received over SMTP: multipart/alternative, the text first and the HTML
    second (RFC 2046: the last part is the preferred one), both in the group's
    words, each with the member's unsubscribe link."""
    member = MemberFactory(preferred_name="Ana")
    with django_capture_on_commit_callbacks(execute=True):
        email_queue_template(
            key="layout:1",
            to=member.user.email,
            template_prefix="tracker/email/reminder",
            context={
                "member": member,
                "info": {"label": "H-1B expiry", "what_to_do": "Ask GME"},
                "deadline": None,
                "days": 30,
                "url": "http://testserver/tracker/",
            },
            member=member,
            category=Category.STATUS_REMINDERS,
        )
    (message,) = smtp.messages
    assert message.get_content_type() == "multipart/alternative"
    (text_type, text), (html_type, html) = _parts(message)
    assert (text_type, html_type) == ("text/plain", "text/html")
    assert "Hello Ana," in text
    assert "IMG Portal" in html
    assert '<a href="http://testserver/tracker/"' in html
    unsubscribe = re.search(r"http://testserver/newsletters/unsubscribe/\S+/", text)
    assert unsubscribe and f'href="{unsubscribe.group()}"' in html
    assert message["List-Unsubscribe"]


def test_an_email_with_a_calendar_file_keeps_both_parts_together(
    smtp, django_capture_on_commit_callbacks
):
    """With an attachment the message is mixed: first the alternative (text,
    then HTML), then the file."""
    with django_capture_on_commit_callbacks(execute=True):
        email_queue(
            key="layout:ics",
            to="ana@example.org",
            subject="Cancelled",
            body_text="It is cancelled: http://testserver/events/",
            attachments=[
                {
                    "filename": "event.ics",
                    "content": "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
                    "mimetype": "text/calendar",
                }
            ],
        )
    (message,) = smtp.messages
    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = message.get_payload()
    assert attachment.get_content_type() == "text/calendar"
    (text_type, _), (html_type, html) = _parts(alternative)
    assert (text_type, html_type) == ("text/plain", "text/html")
    assert 'href="http://testserver/events/"' in html


def test_transactional_mail_has_no_unsubscribe_link(
    django_capture_on_commit_callbacks,
):
    """An approval can't be turned off: it says so, and has no unsubscribe link."""
    member = MemberFactory(preferred_name="Ana")
    with django_capture_on_commit_callbacks(execute=True):
        email_queue_template(
            key="layout:2",
            to="ana@example.org",
            template_prefix="members/email/approved",
            context={"member": member, "home_path": "/"},
        )
    (message,) = mail.outbox
    ((html, _),) = message.alternatives
    assert "/unsubscribe/" not in message.body + html
    assert "can't be turned off" in message.body
    assert "List-Unsubscribe" not in message.extra_headers


def test_a_password_reset_arrives_with_both_parts(
    client, django_capture_on_commit_callbacks
):
    """allauth's emails go out in the group's layout too."""
    member = MemberFactory()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": member.user.email})
    (message,) = mail.outbox
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    link = re.search(
        r"http://testserver/accounts/password/reset/key/\S+/", message.body
    )
    assert link and f'href="{link.group()}"' in html
    assert '<meta name="color-scheme" content="light dark">' in html
