"""Newsletter campaigns: compose, schedule, fan out, deliver.

Delivery, and why every recipient gets one copy even when a worker is killed:
- the fan-out writes one `Delivery` per recipient (unique per newsletter and
  member; a second fan-out, from a retry or a double beat, inserts nothing new);
- a batch task claims up to BATCH_SIZE pending rows (SELECT … FOR UPDATE SKIP
  LOCKED, then status "sending" with the claim's time as its token) and opens one
  SMTP connection;
- for each message it goes through MAIL, RCPT and DATA and writes the body, then
  records the row "sent" in its own transaction and writes the final "." that
  makes the server accept the message right after the COMMIT, before waiting for
  PostgreSQL's answer (`smtp_send`, `_hand_over`). A worker killed before the
  COMMIT is written leaves a message the server discards with the dropped
  connection, and a row still "sending"; killed after it, PostgreSQL commits what
  it received and the "." is already on its way. The one moment left is the few
  microseconds between the two writes, which SMTP cannot close (RFC 1047);
- the commit only succeeds while the row still carries this batch's claim, so a
  worker wrongly thought dead cannot send a row somebody else now holds;
- once a claim is older than NEWSLETTER_STALE_CLAIM_SECONDS, `newsletters_resume`
  (beat, every minute) hands the dead worker's rows still "sending" back to
  "pending" and queues them again, so a stopped fan-out resumes where it stopped;
- if the connection breaks after the "." but before the server's answer, the row
  is recorded "in doubt" with the reason and not sent again.
"""

import logging
import random
import re
import smtplib
from datetime import timedelta
from functools import partial

import psycopg
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnavailable
from psycopg import pq, sql

from imgportal.markdown import render_markdown
from members.actions import record
from members.models import User
from newsletters.models import Delivery, Newsletter
from newsletters.transport import (
    UNSUBSCRIBE_PLACEHOLDER,
    BatchSender,
    ClaimLost,
    ReplyLost,
    refusal,
    render_bodies,
)
from notifications import selectors
from notifications.models import EmailPreferences
from notifications.outbox import email_queue
from notifications.preferences import record_hard_bounce

logger = logging.getLogger(__name__)

BATCH_SIZE = 250
MAX_ATTEMPTS = 5
REENQUEUE_AFTER = timedelta(minutes=2)


# --- Composing ----------------------------------------------------------------


EDITABLE_FIELDS = ["subject", "body", "body_html", "audience"]


@transaction.atomic
def newsletter_save(*, newsletter: Newsletter, by: User) -> Newsletter:
    """Create or change a draft (sent or sending newsletters can't change).

    The row is locked and its state read again before writing, and only the
    text and audience are written: a "send now" pressed by someone else while
    this save was on its way is never turned back into a draft, nor its body
    changed mid-send (the save is refused with a message instead)."""
    if not newsletter.subject.strip():
        raise ValidationError({"subject": "Write a subject."})
    if not newsletter.body.strip():
        raise ValidationError({"body": "Write the newsletter."})
    newsletter.body_html = render_markdown(newsletter.body)
    if newsletter.pk is None:
        newsletter.created_by = by
        newsletter.save()
        record(actor=by, verb="created", target=newsletter)
        return newsletter
    current = Newsletter.objects.select_for_update().get(pk=newsletter.pk)
    if current.status not in (Newsletter.Status.DRAFT, Newsletter.Status.SCHEDULED):
        raise ValidationError(
            f"This newsletter is {current.get_status_display().lower()} now "
            "(someone sent or cancelled it meanwhile): your changes were not saved."
        )
    changed = [
        f for f in EDITABLE_FIELDS if getattr(current, f) != getattr(newsletter, f)
    ]
    if changed:
        newsletter.status = current.status
        newsletter.save(update_fields=changed)
        record(actor=by, verb="changed", target=newsletter, fields=changed)
    return newsletter


def newsletter_send_test(*, newsletter: Newsletter, to: User) -> None:
    """Send the newsletter to its author only, marked as a test."""
    import uuid

    text, html = render_bodies(newsletter)
    placeholder = "(the unsubscribe link goes here)"
    email_queue(
        key=f"newsletter-test:{newsletter.pk}:{uuid.uuid4().hex}",
        to=to.email,
        subject=f"[TEST] {newsletter.subject}",
        body_text=text.replace(UNSUBSCRIBE_PLACEHOLDER, placeholder),
        body_html=html.replace(UNSUBSCRIBE_PLACEHOLDER, "#"),
    )


def _refuse_empty_audience(newsletter: Newsletter) -> None:
    audience = selectors.audience_members(newsletter.audience)
    if (
        selectors.counts_with_recipients(audience, newsletter.category)["recipients"]
        == 0
    ):
        raise ValidationError(
            "This audience matches nobody who can receive it: widen the segment."
        )


@transaction.atomic
def newsletter_send_now(*, newsletter: Newsletter, by: User) -> Newsletter:
    newsletter = Newsletter.objects.select_for_update().get(pk=newsletter.pk)
    if newsletter.status not in (Newsletter.Status.DRAFT, Newsletter.Status.SCHEDULED):
        raise ValidationError("This newsletter was already sent or cancelled.")
    _refuse_empty_audience(newsletter)
    _start(newsletter)
    record(actor=by, verb="sent", target=newsletter)
    return newsletter


@transaction.atomic
def newsletter_schedule(*, newsletter: Newsletter, when, by: User) -> Newsletter:
    newsletter = Newsletter.objects.select_for_update().get(pk=newsletter.pk)
    if newsletter.status not in (Newsletter.Status.DRAFT, Newsletter.Status.SCHEDULED):
        raise ValidationError("This newsletter was already sent or cancelled.")
    if when <= timezone.now():
        raise ValidationError({"scheduled_for": "Choose a time in the future."})
    _refuse_empty_audience(newsletter)
    newsletter.status = Newsletter.Status.SCHEDULED
    newsletter.scheduled_for = when
    newsletter.save(update_fields=["status", "scheduled_for"])
    record(actor=by, verb="scheduled", target=newsletter, when=when)
    return newsletter


@transaction.atomic
def newsletter_cancel(*, newsletter: Newsletter, by: User) -> Newsletter:
    newsletter = Newsletter.objects.select_for_update().get(pk=newsletter.pk)
    if newsletter.status not in (Newsletter.Status.DRAFT, Newsletter.Status.SCHEDULED):
        raise ValidationError(
            "Only a draft or a scheduled newsletter can be cancelled."
        )
    newsletter.status = Newsletter.Status.CANCELLED
    newsletter.save(update_fields=["status"])
    record(actor=by, verb="cancelled", target=newsletter)
    return newsletter


def _start(newsletter: Newsletter) -> None:
    newsletter.status = Newsletter.Status.SENDING
    newsletter.started_at = timezone.now()
    newsletter.save(update_fields=["status", "started_at"])
    pk = newsletter.pk
    transaction.on_commit(lambda: _publish_fan_out(pk))


def _publish_fan_out(newsletter_id: int) -> None:
    from newsletters.tasks import fan_out_task

    try:
        fan_out_task.apply_async((newsletter_id,), retry=False)
    except (BrokerUnavailable, OSError):
        logger.warning("Fan-out of %s not queued; the resume task will", newsletter_id)


def newsletters_dispatch_due() -> int:
    """Start scheduled newsletters whose time has come (safe if beat fires twice)."""
    started = 0
    with transaction.atomic():
        due = Newsletter.objects.select_for_update(skip_locked=True).filter(
            status=Newsletter.Status.SCHEDULED, scheduled_for__lte=timezone.now()
        )
        for newsletter in due:
            _start(newsletter)
            started += 1
    return started


# --- Delivery -----------------------------------------------------------------


def newsletter_fan_out(*, newsletter_id: int) -> int:
    """One delivery row per member of the audience, then queue the batches."""
    newsletter = Newsletter.objects.filter(
        pk=newsletter_id, status=Newsletter.Status.SENDING
    ).first()
    if newsletter is None:
        return 0
    members = selectors.audience_members(newsletter.audience).annotate(
        opted_out=Count("pk", filter=selectors.opted_out(newsletter.category))
    )
    rows = [
        Delivery(
            newsletter=newsletter,
            member_id=pk,
            email=email,
            status=Delivery.Status.SKIPPED if opted_out else Delivery.Status.PENDING,
            error="Turned this kind of email off, or the address is suspended."
            if opted_out
            else "",
        )
        for pk, email, opted_out in members.values_list(
            "pk", "user__email", "opted_out"
        ).iterator()
    ]
    Delivery.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return _enqueue_pending(newsletter_id)


def _enqueue_pending(newsletter_id: int) -> int:
    """Queue batches for pending rows that are due and not recently queued."""
    from newsletters.tasks import send_batch_task

    now = timezone.now()
    ids = list(
        Delivery.objects.filter(
            newsletter_id=newsletter_id, status=Delivery.Status.PENDING
        )
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - REENQUEUE_AFTER))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    queued = 0
    for start in range(0, len(ids), BATCH_SIZE):
        batch = ids[start : start + BATCH_SIZE]
        # Stamp first: a fast worker may already be retrying rows of this batch.
        Delivery.objects.filter(pk__in=batch).update(enqueued_at=now)
        try:
            send_batch_task.apply_async((newsletter_id, batch), retry=False)
        except (BrokerUnavailable, OSError):
            Delivery.objects.filter(pk__in=batch, enqueued_at=now).update(
                enqueued_at=None
            )
            logger.warning(
                "Broker unavailable; newsletter %s resumes later", newsletter_id
            )
            break
        queued += len(batch)
    _finish_if_done(newsletter_id)
    return queued


def _finish_if_done(newsletter_id: int) -> None:
    unresolved = Delivery.objects.filter(
        newsletter_id=newsletter_id,
        status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING],
    ).exists()
    if not unresolved:
        Newsletter.objects.filter(
            pk=newsletter_id, status=Newsletter.Status.SENDING
        ).update(status=Newsletter.Status.SENT, finished_at=timezone.now())


def _hand_over(delivery_id: int, claimed_at, then=None) -> bool:
    """Record one message as sent, if the row is still this batch's, and run
    `then` (the write of the final ".") while that record is being committed.

    The record must be durable before the "." can reach the server (else a worker
    killed between the two would send the message again), and the "." must be on
    its way before anything can stop the worker (else a worker killed while the
    commit is flushed to disk, which is most of a message's time, would leave a
    row "sent" for a message the server threw away). So the row is updated and
    locked in a transaction, the COMMIT is written to PostgreSQL without waiting
    for its answer, `then()` writes the ".", and only then is the answer read.
    Killed before the COMMIT is written: nothing was committed and the server gets
    no "."; killed after: PostgreSQL still commits what it has received, and the
    "." follows within microseconds. Returns False (and does not run `then`) if a
    resume gave the row to another worker."""
    if then is None or connection.in_atomic_block or not connection.get_autocommit():
        # Inside somebody's transaction (a test's) there is no commit to overlap.
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE newsletters_delivery SET status = %s, sent_at = %s, "
                "error = '' WHERE id = %s AND status = %s AND claimed_at = %s",
                [
                    Delivery.Status.SENT,
                    timezone.now(),
                    delivery_id,
                    Delivery.Status.SENDING,
                    claimed_at,
                ],
            )
            held = cursor.rowcount == 1
        if held and then is not None:
            then()
        return held
    # libpq directly: psycopg's commit() waits for the answer, and BEGIN and the
    # UPDATE go in one round trip (values bound here: ids and timestamps). With
    # client_connection_check_interval set, a backend whose client has died could
    # abandon the COMMIT (after the "." went out): off for this transaction.
    connection.ensure_connection()
    update = sql.SQL(
        "BEGIN; SET LOCAL client_connection_check_interval = 0; "
        "UPDATE newsletters_delivery SET status = {sent}, sent_at = {now}, "
        "error = '' WHERE id = {id} AND status = {sending} AND claimed_at = {claim}"
    ).format(
        sent=sql.Literal(str(Delivery.Status.SENT)),
        now=sql.Literal(timezone.now()),
        id=sql.Literal(int(delivery_id)),
        sending=sql.Literal(str(Delivery.Status.SENDING)),
        claim=sql.Literal(claimed_at),
    )
    pgconn = connection.connection.pgconn
    nonblocking = pgconn.nonblocking
    pgconn.nonblocking = 0
    dot_written = False
    try:
        pgconn.send_query(update.as_bytes(connection.connection))
        *_, updated = _results(pgconn)
        if updated.command_tuples != 1:
            _results(pgconn, b"ROLLBACK")
            return False
        pgconn.send_query(b"COMMIT")
        try:
            then()
            dot_written = True
        finally:
            _results(pgconn)
    except (DatabaseError, psycopg.Error) as exc:
        _abandon_connection()
        if dot_written:
            # The server probably kept the message; its row stays as it was.
            raise ReplyLost(f"the sent record did not commit: {exc}") from exc
        raise
    except BaseException:
        # Anything else (a soft time limit, a broken SMTP write) in the middle:
        # never leave this connection inside the transaction, holding the row.
        if pgconn.transaction_status != pq.TransactionStatus.IDLE:
            _abandon_connection()
        raise
    finally:
        if connection.connection is not None:
            pgconn.nonblocking = nonblocking
    return True


def _abandon_connection() -> None:
    """Close the connection (PostgreSQL rolls back whatever it has not committed);
    Django opens a new one for the next query."""
    try:
        connection.close()
    except Exception:  # noqa: BLE001 — already broken: nothing to keep
        connection.connection = None


def _results(pgconn, query: bytes | None = None) -> list:
    """Send `query` (if given) and read every result of what was sent; an error
    is logged and raised (the caller closes the connection)."""
    if query is not None:
        pgconn.send_query(query)
    results, errors = [], []
    while (result := pgconn.get_result()) is not None:
        results.append(result)
        if result.status not in (pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK):
            errors.append(result.error_message.decode(errors="replace"))
    if errors:
        logger.error("Recording a delivery as sent failed: %s", errors)
        raise DatabaseError(errors[0])
    return results


def _retry_later(delivery: Delivery, reason: str) -> None:
    attempts = delivery.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.FAILED,
            attempts=attempts,
            error=f"Gave up after {attempts} attempts: {reason}",
        )
        return
    # Exponential backoff with full jitter: 30 s, 60 s, 120 s … (capped at 15 min).
    delay = random.uniform(0, min(900, 30 * 2 ** (attempts - 1)))  # noqa: S311
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.PENDING,
        attempts=attempts,
        error=reason,
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
        claimed_at=None,
        enqueued_at=None,
    )


def deliveries_send_batch(*, newsletter_id: int, delivery_ids: list[int]) -> dict:
    """Claim pending rows, send them over one SMTP connection, record each result."""
    now = timezone.now()
    with transaction.atomic():
        claimed = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(pk__in=delivery_ids, status=Delivery.Status.PENDING)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .values_list("pk", flat=True)
        )
        Delivery.objects.filter(pk__in=claimed).update(
            status=Delivery.Status.SENDING, claimed_at=now
        )
    result = {"sent": 0, "failed": 0, "retry": 0, "skipped": 0, "uncertain": 0}
    if not claimed:
        _finish_if_done(newsletter_id)
        return result
    newsletter = Newsletter.objects.get(pk=newsletter_id)
    deliveries = list(Delivery.objects.filter(pk__in=claimed).order_by("pk"))
    opted_out = set(
        EmailPreferences.objects.filter(
            Q(unsubscribed__contains=[newsletter.category])
            | Q(suspended_at__isnull=False),
            member_id__in=[d.member_id for d in deliveries],
        ).values_list("member_id", flat=True)
    )
    smtp = get_connection(fail_silently=False)
    try:
        smtp.open()
        sender = BatchSender(newsletter, smtp)
    except (smtplib.SMTPException, OSError) as exc:
        for delivery in deliveries:
            _retry_later(delivery, f"Could not reach the mail server: {exc!r}")
        result["retry"] = len(deliveries)
        return result
    try:
        for index, delivery in enumerate(deliveries):
            if delivery.member_id in opted_out:
                Delivery.objects.filter(pk=delivery.pk).update(
                    status=Delivery.Status.SKIPPED,
                    error="Turned this kind of email off before it was sent.",
                )
                result["skipped"] += 1
                continue
            try:
                sender.send(delivery, partial(_hand_over, delivery.pk, now))
            except ClaimLost:
                # A resume gave this batch's rows to another worker; they are theirs.
                logger.warning(
                    "Newsletter %s: batch stopped, its claim was released",
                    newsletter_id,
                )
                break
            except ReplyLost as exc:
                Delivery.objects.filter(pk=delivery.pk).update(
                    status=Delivery.Status.UNCERTAIN,
                    error=(
                        "The connection broke after the message was handed to the "
                        f"mail server, before it answered ({exc}); it was probably "
                        "delivered, so it was not sent again."
                    ),
                )
                for pending in deliveries[index + 1 :]:
                    _retry_later(pending, f"Connection lost: {exc}")
                result["uncertain"] = 1
                result["retry"] += len(deliveries) - index - 1
                break
            except (
                smtplib.SMTPRecipientsRefused,
                smtplib.SMTPResponseException,
            ) as exc:
                code, reason = refusal(exc)
                if code is not None and 500 <= code < 600:
                    Delivery.objects.filter(pk=delivery.pk).update(
                        status=Delivery.Status.FAILED,
                        attempts=delivery.attempts + 1,
                        error=f"Refused (hard bounce): {reason}",
                    )
                    record_hard_bounce(member_id=delivery.member_id)
                    result["failed"] += 1
                else:
                    _retry_later(delivery, f"Temporary refusal: {reason}")
                    result["retry"] += 1
            except (smtplib.SMTPException, OSError) as exc:
                # The connection broke before the final ".": this one and the rest
                # go back to the queue.
                for pending in deliveries[index:]:
                    _retry_later(pending, f"Connection lost: {exc!r}")
                result["retry"] += len(deliveries) - index
                break
            else:
                result["sent"] += 1
    finally:
        try:
            smtp.close()
        except (smtplib.SMTPException, OSError):
            pass
    _finish_if_done(newsletter_id)
    return result


# The Message-ID transport._message gives each copy, whatever its domain.
MESSAGE_ID = re.compile(r"^<nl-(\d+)-(\d+)@[^<>\s]+>$")


def delivery_bounced(message_id: str, *, reason: str) -> int | None:
    """A bounce quoting a newsletter copy's Message-ID: its delivery is marked
    bounced (the sender's page counts it) and its member returned."""
    found = MESSAGE_ID.match(message_id.strip())
    if found is None:
        return None
    newsletter_id, member_id = (int(n) for n in found.groups())
    delivery = Delivery.objects.filter(
        newsletter_id=newsletter_id, member_id=member_id
    ).first()
    if delivery is None:
        return None
    Delivery.objects.filter(
        pk=delivery.pk, status__in=[Delivery.Status.SENT, Delivery.Status.UNCERTAIN]
    ).update(status=Delivery.Status.BOUNCED, error=reason[:2000])
    return delivery.member_id


def _release_stale_claims(newsletter_id: int, stale) -> None:
    """A dead worker's rows still "sending" never reached the mail server in a form
    it keeps (see `smtp_send`): back to pending, to be sent once."""
    Delivery.objects.filter(
        newsletter_id=newsletter_id,
        status=Delivery.Status.SENDING,
        claimed_at__lt=stale,
    ).update(status=Delivery.Status.PENDING, claimed_at=None, enqueued_at=None)


def newsletters_resume() -> int:
    """Beat, every minute: release stale claims and queue whatever is still pending."""
    queued = 0
    stale = timezone.now() - timedelta(seconds=settings.NEWSLETTER_STALE_CLAIM_SECONDS)
    for newsletter_id in Newsletter.objects.filter(
        status=Newsletter.Status.SENDING
    ).values_list("pk", flat=True):
        _release_stale_claims(newsletter_id, stale)
        if not Delivery.objects.filter(newsletter_id=newsletter_id).exists():
            queued += newsletter_fan_out(newsletter_id=newsletter_id)
        else:
            queued += _enqueue_pending(newsletter_id)
    return queued
