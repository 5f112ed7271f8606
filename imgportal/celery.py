"""The Celery application: Redis broker, tasks autodiscovered from every app.

Reliability rules (why each is here):
- acks_late + reject_on_worker_lost: a message is acknowledged only after its task
  finished, so a worker killed mid-task (SIGKILL, OOM, deploy) hands the message
  back to the broker instead of losing it. Tasks must therefore be idempotent.
- prefetch multiplier 1: a busy worker does not hoard messages another could run.
- visibility timeout (2 h) longer than the hard time limit (10 min) and the longest
  retry countdown (10 min): Redis redelivers an unacknowledged message only after
  this, so a slow but healthy task is never run twice at once.
- soft/hard time limits: a stuck task raises SoftTimeLimitExceeded, then is killed;
  either way it ends failed, it does not hold a worker forever.
- retries back off exponentially with full jitter, capped, with a bounded count.
- ReliableTask counts deliveries of one attempt: a poison message that kills its
  worker every time is rejected after MAX_DELIVERIES instead of looping forever.
"""

import logging
import os

import redis
from celery import Celery, Task, signals
from celery.exceptions import Reject
from celery.schedules import crontab

from imgportal import heartbeats, logs

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imgportal.settings")

logger = logging.getLogger(__name__)

MAX_DELIVERIES = 3
HARD_TIME_LIMIT = 10 * 60
RETRY_BACKOFF_MAX = 10 * 60


class ReliableTask(Task):
    """Base task: bounded retries with jittered backoff and a redelivery cap."""

    max_retries = 5
    retry_backoff = 5
    retry_backoff_max = RETRY_BACKOFF_MAX
    retry_jitter = True

    def __call__(self, *args, **kwargs):
        if not self.request.is_eager and self.request.id:
            deliveries = self._count_delivery()
            if deliveries > MAX_DELIVERIES:
                logger.error(
                    "Rejecting task %s[%s]: delivered %s times without finishing",
                    self.name,
                    self.request.id,
                    deliveries,
                )
                raise Reject("delivered too many times", requeue=False)
        return super().__call__(*args, **kwargs)

    def _count_delivery(self) -> int:
        key = f"celery:deliveries:{self.request.id}:{self.request.retries}"
        client = redis.Redis.from_url(self.app.conf.broker_url)
        with client.pipeline() as pipe:
            pipe.incr(key)
            pipe.expire(key, 24 * 60 * 60)
            count, _ = pipe.execute()
        return int(count)


app = Celery("imgportal", task_cls=ReliableTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_soft_time_limit=HARD_TIME_LIMIT - 60,
    task_time_limit=HARD_TIME_LIMIT,
    # A request that queues work must not hang when Redis is down: give up on the
    # broker within a second and leave the email to the outbox re-publisher. Two
    # connection attempts with no pause between them (kombu's default is three,
    # sleeping 2 s in all, which a real outage test measured): the second one
    # replaces a pooled connection that died with a Redis restart.
    broker_transport_options={
        "visibility_timeout": 2 * 60 * 60,
        "socket_connect_timeout": 0.4,
        "socket_timeout": 5,
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0,
    },
    broker_connection_timeout=1,
    broker_connection_retry_on_startup=True,
    task_serializer="json",
    accept_content=["json"],
    task_ignore_result=True,
    worker_send_task_events=False,
    timezone=os.environ.get("TIME_ZONE", "America/Chicago"),
    # Beat writes its heartbeat on every tick (and ticks at least every
    # HEALTH_HEARTBEAT_SECONDS: CELERY_BEAT_MAX_LOOP_INTERVAL in settings).
    beat_scheduler="imgportal.heartbeats:HeartbeatScheduler",
)
# Each worker writes its own heartbeat from a timer, idle or busy.
app.steps["consumer"].add(heartbeats.WorkerHeartbeat)
# Worker and beat log through the portal's LOGGING (JSON in production), each
# task's lines with its id and the id of the request that queued it.
signals.setup_logging.connect(logs.celery_setup_logging)
signals.before_task_publish.connect(logs.on_before_publish)
signals.task_prerun.connect(logs.on_task_prerun)
signals.task_postrun.connect(logs.on_task_postrun)

# The one beat schedule. A static schedule in code (not django-celery-beat): it is
# reviewed and versioned with the tasks it runs, and needs no database rows that a
# deploy could lose or an admin could silently edit.
app.conf.beat_schedule = {
    # Nightly at 03:30, the quietest hour: drop expired sessions so the session
    # table does not grow without bound (Django does not do it by itself).
    "clear-expired-sessions": {
        "task": "imgportal.tasks.clear_expired_sessions_task",
        "schedule": crontab(hour=3, minute=30),
    },
    # Nightly at 03:45: delete contacts-import previews nobody confirmed within 24
    # hours (contacts.models.PREVIEW_KEPT_FOR), with the uploaded rows they hold.
    # Deleting what is already gone is a no-op, so a retry or a second run is safe.
    "purge-contact-import-previews": {
        "task": "contacts.tasks.contact_imports_purge_task",
        "schedule": crontab(hour=3, minute=45),
    },
    # Every minute: hand emails still queued after two minutes to Celery again
    # (Redis was down when they were written), and send newsletters that are due.
    "republish-queued-emails": {
        "task": "notifications.tasks.republish_emails_task",
        "schedule": 60.0,
    },
    "dispatch-due-newsletters": {
        "task": "newsletters.tasks.dispatch_due_task",
        "schedule": 60.0,
    },
    # Every minute: resume newsletters whose batches stalled (a worker died).
    "resume-newsletters": {
        "task": "newsletters.tasks.resume_task",
        "schedule": 60.0,
    },
    # Every minute: event reminders that are due (the outbox key makes a second
    # firing queue nothing), and waitlist offers whose 24 hours ran out.
    "send-event-reminders": {
        "task": "events.tasks.reminders_send_task",
        "schedule": 60.0,
    },
    "expire-seat-offers": {
        "task": "events.tasks.offers_expire_task",
        "schedule": 60.0,
    },
    # Every minute: organisers' messages to attendees that a worker never
    # finished (each email's outbox key keeps it to one copy).
    "resume-event-messages": {
        "task": "events.tasks.event_messages_resume_task",
        "schedule": 60.0,
    },
    # Every 15 minutes: feedback requests for events that ended over an hour ago.
    "request-event-feedback": {
        "task": "events.tasks.feedback_requests_task",
        "schedule": 15 * 60.0,
    },
    # Mondays 07:00: the weekly digest for members who want it.
    "weekly-digest": {
        "task": "notifications.tasks.weekly_digest_task",
        "schedule": crontab(hour=7, minute=0, day_of_week=1),
    },
    # Mondays 07:30, after the digest: each handbook editor gets the pages past
    # (or within two weeks of) their review date; visa advice goes stale.
    "handbook-reviews-due": {
        "task": "handbook.tasks.review_due_task",
        "schedule": crontab(hour=7, minute=30, day_of_week=1),
    },
    # Daily 06:00: reminders of members' own visa and document dates, at each
    # document's lead times (once each: the outbox key holds document, date, lead).
    "status-reminders": {
        "task": "tracker.tasks.reminders_send_task",
        "schedule": crontab(hour=6, minute=0),
    },
    # Daily 06:30: a week before each saved leadership opening's deadline, one
    # reminder to the member who saved it (the outbox key holds entry and date).
    "leadership-deadlines": {
        "task": "leadership.tasks.deadline_reminders_send_task",
        "schedule": crontab(hour=6, minute=30),
    },
    # Daily 07:00, before the working day: follow-ups due today in members' own
    # contacts logs, one email each to the log's owner (the outbox key holds the
    # contact and the date, so a second firing or a retry queues nothing).
    "contact-follow-ups": {
        "task": "contacts.tasks.follow_ups_send_task",
        "schedule": crontab(hour=7, minute=0),
    },
    # Daily 09:00: one reminder to mentors who left a proposal unanswered 7 days.
    "mentorship-reminders": {
        "task": "mentorship.tasks.reminders_send_task",
        "schedule": crontab(hour=9, minute=0),
    },
    # Just after midnight: a co-lead handover takes effect on its chosen day.
    "apply-co-lead-terms": {
        "task": "members.tasks.co_lead_terms_apply_task",
        "schedule": crontab(hour=0, minute=5),
    },
    # 20 June, ten days before the academic year turns over on 1 July: email the
    # co-leads to preview and confirm the rollover (once per year; idempotent).
    "propose-academic-year-rollover": {
        "task": "members.tasks.rollover_propose_task",
        "schedule": crontab(hour=8, minute=0, day_of_month=20, month_of_year=6),
    },
}

# Every 10 minutes, when there is a bounce mailbox: count the delivery status
# notifications that came back since (README, "Mail that lands"). Bounces are
# never urgent, and a mailbox provider may throttle tighter polling.
if os.environ.get("BOUNCE_MAILBOX_URL"):
    app.conf.beat_schedule["process-bounces"] = {
        "task": "notifications.tasks.process_bounces_task",
        "schedule": 10 * 60.0,
    }

app.autodiscover_tasks()
