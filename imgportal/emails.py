"""Email delivery shared by every feature: queue inside a transaction, send in Celery.

`email_queue` stores the rendered message under an idempotency key and queues the
send only after the surrounding transaction commits, so a rolled-back change sends
nothing and the same key never sends twice. `email_deliver` (run by the task) sends a
queued row once: it locks the row, and a row already sent or held by another worker
is skipped. An SMTP server that accepted a message just before the worker died can
still lead to one resend; no SMTP client can rule that out.
"""

import logging
import smtplib
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone

from imgportal.models import OutboundEmail

logger = logging.getLogger(__name__)


class TransientEmailError(Exception):
    """The SMTP server or the network failed in a way worth retrying."""


def email_queue(
    *,
    key: str,
    to: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    headers: dict[str, str] | None = None,
) -> OutboundEmail:
    """Store an email under `key` and send it after commit; a known key is a no-op."""
    from imgportal.tasks import send_email_task

    email, created = OutboundEmail.objects.get_or_create(
        idempotency_key=key,
        defaults={
            "to": to,
            "subject": " ".join(subject.splitlines()).strip()[:255],
            "body_text": body_text,
            "body_html": body_html,
            "headers": headers or {},
        },
    )
    if created:
        transaction.on_commit(lambda: send_email_task.delay(email.pk))
    return email


def email_queue_template(
    *, key: str, to: str, template_prefix: str, context: dict
) -> OutboundEmail:
    """Render `<prefix>_subject.txt`, `_message.txt` and optional `_message.html`."""
    context = {"site_url": settings.SITE_URL, **context}
    subject = render_to_string(f"{template_prefix}_subject.txt", context)
    body_text = render_to_string(f"{template_prefix}_message.txt", context)
    try:
        body_html = render_to_string(f"{template_prefix}_message.html", context)
    except TemplateDoesNotExist:
        body_html = ""
    return email_queue(
        key=key, to=to, subject=subject, body_text=body_text, body_html=body_html
    )


def email_queue_message(*, key: str, message: EmailMessage) -> list[OutboundEmail]:
    """Queue an already rendered Django message, one row per recipient."""
    html = ""
    for content, mimetype in getattr(message, "alternatives", []):
        if mimetype == "text/html":
            html = content
    return [
        email_queue(
            key=f"{key}:{address}",
            to=address,
            subject=message.subject,
            body_text=message.body,
            body_html=html,
            headers=dict(message.extra_headers),
        )
        for address in message.to
    ]


def _build_message(email: OutboundEmail) -> EmailMultiAlternatives:
    headers = {"Message-ID": make_msgid(domain="imgportal"), **email.headers}
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        headers=headers,
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    return message


def email_deliver(*, email_id: int) -> OutboundEmail | None:
    """Send one queued email once; raise TransientEmailError when a retry may help."""
    transient_error: Exception | None = None
    with transaction.atomic():
        email = (
            OutboundEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=email_id, status=OutboundEmail.Status.QUEUED)
            .first()
        )
        if email is None:
            return None  # gone, already sent or failed, or being sent right now
        try:
            _build_message(email).send()
        except smtplib.SMTPResponseException as exc:
            if 500 <= exc.smtp_code < 600:
                # RFC 5321 5yz: permanent; repeating the same message will not help.
                email.status = OutboundEmail.Status.FAILED
                email.last_error = f"{exc.smtp_code} {exc.smtp_error!r}"
                email.save(update_fields=["status", "last_error"])
                logger.warning("Email %s refused permanently: %s", email.pk, exc)
                return email
            transient_error = exc
        except (smtplib.SMTPException, OSError) as exc:
            transient_error = exc
        if transient_error is not None:
            email.attempts += 1
            email.last_error = repr(transient_error)[:2000]
            email.save(update_fields=["attempts", "last_error"])
        else:
            email.status = OutboundEmail.Status.SENT
            email.sent_at = timezone.now()
            email.last_error = ""
            email.save(update_fields=["status", "sent_at", "last_error"])
            return email
    raise TransientEmailError(str(transient_error)) from transient_error


def email_give_up(*, email_id: int, reason: str) -> None:
    """Mark a still-queued email failed after its retries ran out."""
    OutboundEmail.objects.filter(
        pk=email_id, status=OutboundEmail.Status.QUEUED
    ).update(
        status=OutboundEmail.Status.FAILED,
        last_error=f"Gave up after retries: {reason}",
    )
