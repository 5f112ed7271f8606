"""End to end: a real Celery worker on Redis sends to a real SMTP server."""

import time

import pytest
from celery.contrib.testing.worker import start_worker

from imgportal.celery import app as celery_app
from newsletters import services
from newsletters.models import Newsletter
from tests.factories import MemberFactory


@pytest.fixture
def real_worker():
    celery_app.conf.task_always_eager = False
    try:
        with start_worker(
            celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10
        ) as worker:
            yield worker
    finally:
        celery_app.conf.task_always_eager = True


@pytest.mark.django_db(transaction=True)
def test_a_worker_sends_one_message_to_each_member(reference_data, smtp, real_worker):
    members = MemberFactory.create_batch(12)
    newsletter = services.newsletter_save(
        newsletter=Newsletter(subject="Through the worker", body="Hello"),
        by=members[0].user,
    )
    services.newsletter_send_now(newsletter=newsletter, by=members[0].user)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        newsletter.refresh_from_db()
        if newsletter.status == Newsletter.Status.SENT:
            break
        time.sleep(0.2)
    assert newsletter.status == Newsletter.Status.SENT
    recipients = sorted(m["To"] for m in smtp.messages)
    assert recipients == sorted(m.user.email for m in members)
