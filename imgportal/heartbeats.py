"""Beat and each worker say "still here" in Redis, from their own processes.

Beat writes from its scheduler's tick (HeartbeatScheduler, set as
`beat_scheduler` in imgportal/celery.py), which runs at least every
HEALTH_HEARTBEAT_SECONDS; each worker writes from a timer in its consumer
(WorkerHeartbeat), which keeps firing while the worker is idle and stops when
it loses the broker. The health checks (imgportal/health.py) read the ages.
Times are the writers' wall clocks (keep the hosts on NTP).
"""

import logging
import time

import redis
from celery import bootsteps
from celery.beat import PersistentScheduler
from django.conf import settings

logger = logging.getLogger(__name__)

BEAT_KEY = "imgportal:heartbeat:beat"
WORKERS_KEY = "imgportal:heartbeat:workers"
# A worker silent for a day has gone for good: its entry is dropped on reading.
FORGET_AFTER = 24 * 60 * 60


def _client() -> redis.Redis:
    return redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
    )


def _write(action) -> None:
    try:
        action(_client())
    except (redis.RedisError, OSError):
        # Redis is down: the health check reports that itself, and the age grows.
        logger.warning("Could not write a heartbeat to Redis")


def beat_touch() -> None:
    _write(lambda client: client.set(BEAT_KEY, time.time()))


def worker_touch(hostname: str) -> None:
    _write(lambda client: client.hset(WORKERS_KEY, hostname, time.time()))


def beat_age(client: redis.Redis, now: float) -> float | None:
    """Seconds since beat last ticked, None if it never did."""
    value = client.get(BEAT_KEY)
    return max(0.0, now - float(value)) if value is not None else None


def worker_ages(client: redis.Redis, now: float) -> dict[str, float]:
    """Seconds since each worker (by host name) last wrote, youngest first."""
    ages = {}
    for hostname, value in client.hgetall(WORKERS_KEY).items():
        age = max(0.0, now - float(value))
        if age > FORGET_AFTER:
            client.hdel(WORKERS_KEY, hostname)
        else:
            ages[hostname.decode()] = age
    return dict(sorted(ages.items(), key=lambda item: item[1]))


class HeartbeatScheduler(PersistentScheduler):
    """Celery's default scheduler, writing beat's heartbeat on every tick."""

    def tick(self, *args, **kwargs):
        beat_touch()
        return super().tick(*args, **kwargs)


class WorkerHeartbeat(bootsteps.StartStopStep):
    """A consumer step: every HEALTH_HEARTBEAT_SECONDS, this worker's time."""

    requires = ("celery.worker.consumer.connection:Connection",)

    def __init__(self, c, **kwargs):
        self.timer_entry = None
        super().__init__(c, **kwargs)

    def start(self, c):
        worker_touch(c.hostname)
        self.timer_entry = c.timer.call_repeatedly(
            settings.HEALTH_HEARTBEAT_SECONDS, worker_touch, (c.hostname,)
        )

    def stop(self, c):
        if self.timer_entry is not None:
            self.timer_entry.cancel()
            self.timer_entry = None

    shutdown = stop
