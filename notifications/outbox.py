"""The outbox every email goes through: queue inside a transaction, send in Celery.

`email_queue` stores the rendered message in PostgreSQL under an idempotency key, in
the same transaction as the change it reports, and publishes it to Celery only after
commit; a rolled-back change sends nothing and the same key never sends twice. If
Redis is down at that moment the request still succeeds: the row stays queued and
`emails_republish` (beat, every minute) hands it over again once Redis is back.
`email_deliver` (run by the task) claims the row with SELECT … FOR UPDATE SKIP
LOCKED, re-checks at send time whether the person still wants this kind of mail and
whether the message is still true (`stale_check`), then sends it once. An SMTP
server that accepted a message just before the worker died can still lead to one
resend; no SMTP client can rule that out.
"""

import base64
import logging
import smtplib
from collections.abc import Callable, Iterable
from datetime import timedelta
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnavailable

from imgportal.email_layout import Footer, email_wrap
from imgportal.hooks import STALE_CHECKS
from imgportal.identity import site_domain
from notifications import preferences
from notifications.models import OutboundEmail
from notifications.rendering import email_render_for
from notifications.unsubscribe import list_unsubscribe_headers

logger = logging.getLogger(__name__)

REPUBLISH_AFTER = timedelta(minutes=2)


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
    member=None,
    category: str = "",
    stale_check: dict | None = None,
    attachments: list[dict] | None = None,
) -> OutboundEmail:
    """Store an email under `key` and send it after commit; a known key is a no-op.

    With `member` and `category` it is a notification the member can turn off: it
    carries one-click unsubscribe headers and is skipped if they opted out.
    Without `body_html` the text is laid out in the group's email layout, so
    every email has both parts."""
    if not body_html.strip():
        body_html = email_wrap(subject=subject, text=body_text, footer=Footer()).html
    email, created = OutboundEmail.objects.get_or_create(
        idempotency_key=key,
        defaults={
            "to": to,
            "subject": " ".join(subject.splitlines()).strip()[:255],
            "body_text": body_text,
            "body_html": body_html,
            "headers": headers or {},
            "member": member,
            "category": category,
            "stale_check": stale_check or {},
            "attachments": attachments or [],
        },
    )
    if created:
        transaction.on_commit(lambda: email_publish(email_id=email.pk))
    return email


def email_publish(*, email_id: int) -> bool:
    """Hand a queued email to Celery. A broker outage is not the request's problem:
    the row stays queued and the re-publisher tries again."""
    from notifications.tasks import send_email_task

    try:
        send_email_task.apply_async((email_id,), retry=False)
    except (BrokerUnavailable, OSError):
        logger.warning("Could not publish email %s; it will be retried", email_id)
        return False
    OutboundEmail.objects.filter(pk=email_id).update(published_at=timezone.now())
    return True


def emails_republish() -> int:
    """Publish again every email still queued a couple of minutes after its last
    hand-over (Redis was down, or a message was lost): sending stays exactly-once."""
    cutoff = timezone.now() - REPUBLISH_AFTER
    stuck = OutboundEmail.objects.filter(
        status=OutboundEmail.Status.QUEUED, created_at__lt=cutoff
    ).exclude(published_at__gte=cutoff)
    return sum(email_publish(email_id=pk) for pk in stuck.values_list("pk", flat=True))


def email_queue_template(
    *,
    key: str,
    to: str,
    template_prefix: str,
    context: dict,
    member=None,
    category: str = "",
    stale_check: dict | None = None,
    attachments: list[dict] | None = None,
    headers: dict[str, str] | None = None,
) -> OutboundEmail:
    """Render `<prefix>_subject.txt` and `_message.txt` (the text part) and the
    HTML part (`_message.html`, or the text in the group's layout), each ending
    with the footer: why they get it and, with a category, the unsubscribe link."""
    rendered = email_render_for(
        template_prefix=template_prefix,
        context=context,
        member=member,
        category=category,
    )
    return email_queue(
        key=key,
        to=to,
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        member=member,
        category=category,
        stale_check=stale_check,
        attachments=attachments,
        headers=headers,
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
    headers = {"Message-ID": make_msgid(domain=site_domain()), **email.headers}
    if email.category and email.member_id:
        headers.update(list_unsubscribe_headers(email.member_id, email.category))
    if settings.BOUNCE_ADDRESS:
        # Django puts from_email in the envelope (MAIL FROM, the Return-Path that
        # bounces go to) and in From unless a From header is given.
        headers.setdefault("From", settings.DEFAULT_FROM_EMAIL)
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.BOUNCE_ADDRESS or settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        headers=headers,
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    for attachment in email.attachments:
        content = attachment["content"]
        if attachment.get("encoding") == "base64":  # bytes (an image) kept as JSON
            content = base64.b64decode(content)
        message.attach(attachment["filename"], content, attachment["mimetype"])
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
        if reason := _reason_not_to_send(email):
            email.status, email.last_error = reason
            email.save(update_fields=["status", "last_error"])
            return email
        message = _build_message(email)
        try:
            message.send()
        except smtplib.SMTPResponseException as exc:
            if 500 <= exc.smtp_code < 600:
                # RFC 5321 5yz: permanent; repeating the same message will not help.
                email.status = OutboundEmail.Status.FAILED
                email.last_error = f"{exc.smtp_code} {exc.smtp_error!r}"
                email.save(update_fields=["status", "last_error"])
                logger.warning("Email %s refused permanently: %s", email.pk, exc)
                if email.member_id:
                    preferences.record_hard_bounce(member_id=email.member_id)
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
            # Kept so that a bounce quoting it later finds this row.
            email.message_id = str(message.extra_headers.get("Message-ID", ""))[:255]
            email.save(update_fields=["status", "sent_at", "last_error", "message_id"])
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


def _reason_not_to_send(email: OutboundEmail) -> tuple[str, str] | None:
    """Checked at send time: opted out since it was queued, or no longer true."""
    if email.category and email.member_id:
        if not preferences.member_wants(
            member_id=email.member_id, category=email.category
        ):
            return (
                OutboundEmail.Status.SKIPPED,
                "The member turned this kind of mail off.",
            )
    if kind := email.stale_check.get("kind"):
        check = STALE_CHECKS.get(kind)
        arguments = {k: v for k, v in email.stale_check.items() if k != "kind"}
        if check is not None and not check(**arguments):
            return OutboundEmail.Status.CANCELLED, "No longer true when it was due."
    return None


def email_members(
    members: Iterable,
    *,
    key: str | Callable[[object], str],
    template_prefix: str,
    context: dict | None = None,
    per_member: Callable[[object], dict] | None = None,
    recipient_as: str = "member",
    category: str = "",
    stale_check: dict | None = None,
    attachments: list[dict] | Callable[[object], list[dict]] | None = None,
    each_in_own_transaction: bool = False,
    headers: dict[str, str] | None = None,
) -> int:
    """Queue one templated email per member; returns how many were queued.

    `key` is the idempotency key's prefix (the member's id is appended) or a
    function of the member; a retried task queues nothing new. The recipient is
    in the template's context as `recipient_as` ("member" unless the template
    says "co_lead" or "person"), next to `context` and `per_member(member)`.
    With a `category` the email is one the member can turn off: it carries the
    unsubscribe headers and is skipped at send time if they opted out.
    `each_in_own_transaction` suits a long loop in a task: what was queued
    stays queued if a later member fails."""
    queued = 0
    for member in members:
        arguments = {
            "key": key(member) if callable(key) else f"{key}:{member.pk}",
            "to": member.user.email,
            "template_prefix": template_prefix,
            "context": {
                recipient_as: member,
                **(context or {}),
                **(per_member(member) if per_member else {}),
            },
            "member": member if category else None,
            "category": category,
            "stale_check": stale_check,
            "attachments": attachments(member)
            if callable(attachments)
            else attachments,
            "headers": headers,
        }
        if each_in_own_transaction:
            with transaction.atomic():
                email_queue_template(**arguments)
        else:
            email_queue_template(**arguments)
        queued += 1
    return queued
