"""Bounces that come back after sending, counted against the member they were for.

A receiving server that took a message and could not deliver it later sends a
delivery status notification (RFC 3464) to the envelope sender (BOUNCE_ADDRESS):
a `multipart/report; report-type=delivery-status` with a human part, a
`message/delivery-status` part (one block about the report, then one per
recipient: Final-Recipient, Action, Status, Diagnostic-Code) and the original's
headers (`text/rfc822-headers`) or the whole original (`message/rfc822`).
`notifications.mailbox` reads them from the bounce mailbox; a provider's webhook
reports the same facts.

- Which member: the original Message-ID first (unambiguous: the outbox keeps each
  row's, and newsletters answer for theirs through `BOUNCED_MESSAGES`), whose row
  is marked bounced; a report that quotes none of ours falls back to the
  recipient's address (Original-Recipient, then Final-Recipient), matched to a
  member's sign-in address. A message we know that was for nobody (erased since)
  counts for nobody.
- Hard or soft: Action "failed" with Status 5.x.x is a hard bounce, with 4.x.x a
  soft one (the relay gave up after temporary failures, e.g. 4.2.2 mailbox full;
  see `record_soft_bounce` for when soft ones add up). Action "delayed" counts
  nothing: the relay is still trying and sends a "failed" report if it gives up.
- Once: each report's id (its Message-ID, or a digest of its bytes) is stored in
  the same transaction as the counts, so a report read again (a crash before the
  mailbox deleted it, two readers at once, a webhook retried) counts nothing.
"""

import email
import email.errors
import hashlib
import logging
import re
from dataclasses import dataclass, field
from email.message import Message
from email.parser import HeaderParser

from django.db import transaction

from imgportal.hooks import BOUNCED_MESSAGES
from members.models import Member
from notifications import preferences
from notifications.models import Bounce, BounceReport, OutboundEmail

logger = logging.getLogger(__name__)

STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
SMTP_REPLY = re.compile(r"\b([245])\d\d\b")
REASON_LENGTH = 500


class NotAReport(Exception):
    """Not a delivery status notification this reader can use: left alone."""


@dataclass(frozen=True)
class RecipientStatus:
    """One recipient's block of a report."""

    recipient: str
    original_recipient: str = ""
    action: str = "failed"
    status: str = ""
    reason: str = ""

    @property
    def failed(self) -> bool:
        return self.action == "failed" and self.status[:1] in ("4", "5")

    @property
    def kind(self) -> str:
        return Bounce.Kind.HARD if self.status.startswith("5") else Bounce.Kind.SOFT


@dataclass(frozen=True)
class DeliveryReport:
    report_id: str
    original_message_id: str = ""
    recipients: list[RecipientStatus] = field(default_factory=list)


# --- Reading a DSN (pure: bytes in, facts out) ---------------------------------


def parse_dsn(raw: bytes) -> DeliveryReport:
    """The facts of an RFC 3464 report; NotAReport for anything else or a report
    with no recipient block that can be read."""
    try:
        message = email.message_from_bytes(raw)
        if message.get_content_type() != "multipart/report" or (
            str(message.get_param("report-type") or "").lower() != "delivery-status"
        ):
            raise NotAReport("not a delivery status notification")
        parts = message.get_payload()
        if not isinstance(parts, list):
            raise NotAReport("a report without parts")
        status_part = next(
            (p for p in parts if p.get_content_type() == "message/delivery-status"),
            None,
        )
        if status_part is None:
            raise NotAReport("a report without a message/delivery-status part")
        recipients = [
            found
            for block in _blocks(status_part)
            if (found := _recipient_status(block)) is not None
        ]
        if not recipients:
            raise NotAReport("a report with no readable recipient")
        return DeliveryReport(
            report_id=_report_id(message, raw),
            original_message_id=_original_message_id(parts),
            recipients=recipients,
        )
    except (
        email.errors.MessageError,
        LookupError,
        TypeError,
        ValueError,
        AttributeError,
    ) as exc:
        raise NotAReport(f"unreadable: {exc!r}") from exc


def _blocks(part: Message) -> list[Message]:
    """The header blocks of a message/delivery-status part. Python's email package
    parses them into one Message each; an encoded part (against the RFC, but seen)
    is decoded and split on blank lines here."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return payload
    text = _text(part)
    return [HeaderParser().parsestr(b) for b in re.split(r"\r?\n\s*\r?\n", text)]


def _text(part: Message) -> str:
    data = part.get_payload(decode=True) or b""
    return data.decode(part.get_content_charset() or "utf-8", errors="replace")


def _recipient_status(block: Message) -> RecipientStatus | None:
    recipient = _address(block.get("Final-Recipient"))
    original = _address(block.get("Original-Recipient"))
    action = _one_line(block.get("Action")).lower()
    if not (recipient or original) or not action:
        return None  # the per-message block, or a broken one
    reason = _one_line(block.get("Diagnostic-Code"))
    status = STATUS.search(_one_line(block.get("Status")))
    if status:
        code = ".".join(status.groups())
    elif reply := SMTP_REPLY.search(reason):
        code = f"{reply.group(1)}.0.0"  # Status is required; an old relay left it out
    else:
        code = ""
    return RecipientStatus(
        recipient=recipient or original,
        original_recipient=original,
        action=action.split()[0],
        status=code,
        reason=reason[:REASON_LENGTH],
    )


def _one_line(value) -> str:
    return " ".join(str(value or "").split())


def _address(value) -> str:
    """`rfc822; someone@example.org` → the address (other types are not ours)."""
    text = _one_line(value)
    kind, _, address = text.partition(";")
    if not address or kind.strip().lower() != "rfc822":
        return ""
    address = address.strip().strip("<>").strip()
    return address if "@" in address and len(address) <= 320 else ""


def _original_message_id(parts: list[Message]) -> str:
    for part in parts:
        kind = part.get_content_type()
        if kind == "text/rfc822-headers":
            headers = HeaderParser().parsestr(_text(part))
        elif kind == "message/rfc822" and isinstance(part.get_payload(), list):
            headers = part.get_payload()[0]
        else:
            continue
        message_id = _one_line(headers.get("Message-ID"))
        if message_id:
            return message_id[:255]
    return ""


def _report_id(message: Message, raw: bytes) -> str:
    message_id = _one_line(message.get("Message-ID"))
    if message_id and len(message_id) <= 200:
        return f"dsn:{message_id}"
    return f"dsn-sha256:{hashlib.sha256(raw).hexdigest()}"


# --- Recording -------------------------------------------------------------------


def bounce_report_record(
    report: DeliveryReport, *, source: str
) -> tuple[BounceReport, bool]:
    """Count the report's failures once; (the report's row, False) if it was
    already recorded, in which case nothing is counted again."""
    with transaction.atomic():
        row, created = BounceReport.objects.get_or_create(
            report_id=report.report_id,
            defaults={"source": source, "outcome": BounceReport.Outcome.NO_FAILURE},
        )
        if not created:
            return row, False
        failures = [r for r in report.recipients if r.failed]
        counted: set[int] = set()
        for failure in failures:
            member_id, matched_by = _member_for(report.original_message_id, failure)
            if member_id is None or member_id in counted:
                continue
            counted.add(member_id)
            Bounce.objects.create(
                report=row,
                member_id=member_id,
                kind=failure.kind,
                status=failure.status,
                recipient=failure.recipient,
                reason=failure.reason,
                matched_by=matched_by,
            )
            if failure.kind == Bounce.Kind.HARD:
                preferences.record_hard_bounce(member_id=member_id)
            else:
                preferences.record_soft_bounce(member_id=member_id)
        if counted:
            row.outcome = BounceReport.Outcome.COUNTED
        elif failures:
            row.outcome = BounceReport.Outcome.NOT_OURS
        elif any(r.action == "delayed" for r in report.recipients):
            row.outcome = BounceReport.Outcome.DELAYED
        row.save(update_fields=["outcome"])
    logger.info(
        "Bounce report %s (%s): %s", report.report_id, source, row.get_outcome_display()
    )
    return row, True


def _member_for(message_id: str, failure: RecipientStatus) -> tuple[int | None, str]:
    """The member a failure is about, and how it was found; the original message's
    row (outbox email or an app's delivery) is marked bounced on the way."""
    reason = (
        f"Bounced after sending ({failure.kind}, {failure.status or 'no status'}): "
        f"{failure.reason or failure.action}"
    )
    if message_id:
        email_row = OutboundEmail.objects.filter(message_id=message_id).first()
        if email_row is not None:
            OutboundEmail.objects.filter(
                pk=email_row.pk, status=OutboundEmail.Status.SENT
            ).update(status=OutboundEmail.Status.BOUNCED, last_error=reason)
            member_id = email_row.member_id or _member_by_address(email_row.to)
            return member_id, Bounce.MatchedBy.MESSAGE
        for bounced in BOUNCED_MESSAGES.values():
            if (member_id := bounced(message_id, reason=reason)) is not None:
                return member_id, Bounce.MatchedBy.MESSAGE
    for address in (failure.original_recipient, failure.recipient):
        if address and (member_id := _member_by_address(address)) is not None:
            return member_id, Bounce.MatchedBy.ADDRESS
    return None, Bounce.MatchedBy.ADDRESS


def _member_by_address(address: str) -> int | None:
    return (
        Member.objects.filter(user__email__iexact=address)
        .values_list("pk", flat=True)
        .first()
    )
