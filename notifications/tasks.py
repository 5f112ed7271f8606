import logging

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings

from imgportal.celery import RETRY_BACKOFF_MAX
from notifications.digest import weekly_digest_send
from notifications.outbox import (
    TransientEmailError,
    email_deliver,
    email_give_up,
    emails_republish,
)

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=6)
def send_email_task(self, email_id: int) -> None:
    """Send one queued email; retry transient SMTP failures with jittered backoff."""
    try:
        email_deliver(email_id=email_id)
    except TransientEmailError as exc:
        if self.request.retries >= self.max_retries:
            email_give_up(email_id=email_id, reason=str(exc))
            return
        countdown = get_exponential_backoff_interval(
            factor=5,
            retries=self.request.retries,
            maximum=RETRY_BACKOFF_MAX,
            full_jitter=True,
        )
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task
def republish_emails_task() -> int:
    """Hand emails still queued after a couple of minutes to Celery again."""
    return emails_republish()


@shared_task
def weekly_digest_task() -> int:
    """Queue this week's digest for members who want it."""
    return weekly_digest_send()


@shared_task
def process_bounces_task() -> dict[str, int]:
    """Count the bounce reports waiting in BOUNCE_MAILBOX_URL, once each."""
    from notifications.mailbox import MailboxError, bounces_read_mailbox

    if not settings.BOUNCE_MAILBOX_URL:
        return {}
    try:
        return dict(bounces_read_mailbox(settings.BOUNCE_MAILBOX_URL))
    except MailboxError as exc:
        # The next run (10 minutes) tries again; what was counted stays counted.
        logger.warning("Bounce mailbox unreachable: %r", exc)
        return {}
