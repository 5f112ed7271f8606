"""The health checks behind /healthz, /healthz/deep and the System page.

/healthz (load balancers) asks PostgreSQL and Redis. The deep report adds what
breaks quietly: beat stopped (nothing scheduled happens), no worker (nothing is
sent), mail waiting too long, and failed deliveries in the last day. The mail
readings come from the apps that send mail, through the HEALTH_CHECKS registry
(imgportal/hooks.py); this module imports no app. Only ages and counts leave it.
"""

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from imgportal import heartbeats
from imgportal.hooks import HEALTH_CHECKS

logger = logging.getLogger(__name__)

DAY = timedelta(days=1)


@dataclass(frozen=True)
class MailReading:
    """One kind of outgoing mail now: the oldest message still waiting to go
    (None when none waits) and how many failed in the last day."""

    label: str
    oldest_waiting_since: datetime | None
    failed_last_day: int


@dataclass(frozen=True)
class Check:
    name: str  # as listed in "failing"
    label: str
    value: float | int | None  # None: never seen, or unknown
    limit: float | int
    unit: str  # "seconds" or "count"
    ok: bool


@dataclass
class Report:
    database: bool
    redis: bool
    checks: list[Check]
    workers: dict[str, float] = field(default_factory=dict)
    mail: list[MailReading] = field(default_factory=list)
    mail_error: bool = False

    @property
    def failing(self) -> list[str]:
        failing = [name for name in ("database", "redis") if not getattr(self, name)]
        return failing + [check.name for check in self.checks if not check.ok]

    @property
    def healthy(self) -> bool:
        return not self.failing

    def as_json(self) -> dict[str, object]:
        values = {check.name: check.value for check in self.checks}
        return {
            "status": "ok" if self.healthy else "failing",
            "failing": self.failing,
            "database": "ok" if self.database else "error",
            "redis": "ok" if self.redis else "error",
            "beat_age_seconds": values["beat"],
            "worker_age_seconds": values["worker"],
            "oldest_queued_email_age_seconds": values["email_queue"],
            "failed_deliveries_24h": values["failed_deliveries"],
        }


def _redis_client() -> redis.Redis:
    return redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
    )


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any failure means "not healthy"
        logger.exception("Health check: database unreachable")
        return False
    return True


def redis_ok() -> bool:
    try:
        return bool(_redis_client().ping())
    except Exception:  # any failure means "not healthy"
        logger.exception("Health check: Redis unreachable")
        return False


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _heartbeats() -> tuple[bool, float | None, dict[str, float]]:
    try:
        client = _redis_client()
        now = time.time()
        beat = heartbeats.beat_age(client, now)
        workers = heartbeats.worker_ages(client, now)
    except (redis.RedisError, OSError, ValueError):
        logger.exception("Health check: Redis unreachable")
        return False, None, {}
    return True, beat, workers


def _mail(now: datetime) -> tuple[list[MailReading], bool]:
    readings, error = [], False
    for app, key, reading in HEALTH_CHECKS.items():
        try:
            readings.append(reading(now))
        except Exception:  # one app's query failing must not hide the others
            logger.exception("Health check: %s %s failed", app, key)
            error = True
    return readings, error


def deep_report() -> Report:
    """Every check, each with its reading and its limit (settings HEALTH_*)."""
    database = database_ok()
    redis_answers, beat, workers = _heartbeats()
    now = timezone.now()
    mail, mail_error = _mail(now) if database else ([], True)
    worker = min(workers.values(), default=None)
    waiting = [r.oldest_waiting_since for r in mail if r.oldest_waiting_since]
    oldest = (now - min(waiting)).total_seconds() if waiting else None
    failed = None if mail_error else sum(r.failed_last_day for r in mail)

    def within(value, limit) -> bool:
        return value is not None and value <= limit

    checks = [
        Check(
            "beat",
            "Celery beat last ticked",
            _rounded(beat),
            settings.HEALTH_BEAT_MAX_AGE,
            "seconds",
            within(beat, settings.HEALTH_BEAT_MAX_AGE),
        ),
        Check(
            "worker",
            "A Celery worker last reported",
            _rounded(worker),
            settings.HEALTH_WORKER_MAX_AGE,
            "seconds",
            within(worker, settings.HEALTH_WORKER_MAX_AGE),
        ),
        Check(
            "email_queue",
            "The oldest email still waiting to be sent",
            _rounded(oldest),
            settings.HEALTH_QUEUE_MAX_AGE,
            "seconds",
            not mail_error
            and (oldest is None or oldest <= settings.HEALTH_QUEUE_MAX_AGE),
        ),
        Check(
            "failed_deliveries",
            "Emails that failed in the last 24 hours",
            failed,
            settings.HEALTH_FAILED_MAX,
            "count",
            within(failed, settings.HEALTH_FAILED_MAX),
        ),
    ]
    return Report(
        database=database,
        redis=redis_answers,
        checks=checks,
        workers={host: round(age, 1) for host, age in workers.items()},
        mail=mail,
        mail_error=mail_error,
    )
