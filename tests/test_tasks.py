"""Celery: a real worker on the real Redis broker, and the reliability rules."""

import time
import uuid
from datetime import timedelta

import pytest
from celery.exceptions import Reject
from django.contrib.sessions.models import Session
from django.core import mail
from django.db import transaction
from django.utils import timezone

from imgportal.celery import MAX_DELIVERIES, ReliableTask
from imgportal.celery import app as celery_app
from imgportal.tasks import clear_expired_sessions_task
from notifications.models import OutboundEmail
from notifications.outbox import email_queue


@pytest.mark.django_db(transaction=True)
def test_email_queued_in_a_transaction_is_sent_by_a_real_worker(
    real_worker, own_redis, reference_data
):
    """Commit → the task goes through Redis → the worker sends the email once."""
    key = f"worker-test:{uuid.uuid4()}"
    with transaction.atomic():
        email = email_queue(
            key=key, to="worker@example.org", subject="Through Redis", body_text="Hi"
        )
    # Generous: on the 2-core CI machine the browser tests share the CPU.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        email.refresh_from_db()
        if email.status == OutboundEmail.Status.SENT:
            break
        time.sleep(0.2)
    assert email.status == OutboundEmail.Status.SENT, (
        f"still {email.status} after 60 s; attempts {email.attempts}, "
        f"error {email.last_error!r}, published at {email.published_at}, "
        f"{own_redis.queued()} message(s) waiting in the broker"
    )
    assert [m.subject for m in mail.outbox] == ["Through Redis"]


def test_reliability_settings():
    conf = celery_app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_soft_time_limit < conf.task_time_limit
    # Redis must not hand a running task to a second worker.
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit
    assert ReliableTask.retry_jitter is True
    assert (
        ReliableTask.retry_backoff_max
        <= conf.broker_transport_options["visibility_timeout"]
    )


def test_every_beat_entry_names_a_registered_task():
    celery_app.loader.import_default_modules()
    for entry in celery_app.conf.beat_schedule.values():
        assert entry["task"] in celery_app.tasks


def test_poison_message_is_rejected_after_repeated_deliveries():
    """A message redelivered again and again (it keeps killing workers) is dropped."""

    @celery_app.task(name=f"tests.poison.{uuid.uuid4().hex}")
    def poison():
        return "ran"

    task_id = str(uuid.uuid4())
    results = []
    for _ in range(MAX_DELIVERIES + 1):
        poison.push_request(id=task_id, retries=0, is_eager=False)
        try:
            results.append(poison())
        except Reject as exc:
            results.append(exc)
        finally:
            poison.pop_request()
    assert results[:MAX_DELIVERIES] == ["ran"] * MAX_DELIVERIES
    assert isinstance(results[-1], Reject)
    assert results[-1].requeue is False


@pytest.mark.django_db
def test_nightly_session_cleanup_removes_only_expired_sessions():
    now = timezone.now()
    Session.objects.create(
        session_key="old", session_data="", expire_date=now - timedelta(days=1)
    )
    Session.objects.create(
        session_key="live", session_data="", expire_date=now + timedelta(days=1)
    )
    clear_expired_sessions_task.delay()
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]
