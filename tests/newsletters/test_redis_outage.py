"""A real Redis outage: the broker is a redis-server of the test's own, on a spare
loopback port, stopped and started again (the machine's shared Redis is never
touched)."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from imgportal.celery import app as celery_app
from members.models import Member, Role
from notifications import outbox as emails
from notifications.models import OutboundEmail
from notifications.tasks import send_email_task
from tests.conftest import client_for
from tests.factories import MemberFactory, give_totp
from tests.servers import use_broker


@pytest.mark.django_db(transaction=True)
def test_redis_down_during_approvals_then_back_each_welcome_goes_out_once(
    reference_data, own_redis
):
    co_lead = MemberFactory(roles=[Role.RESIDENT, Role.CO_LEAD])
    give_totp(co_lead.user)
    first, second = MemberFactory.create_batch(2, status=Member.Status.PENDING)
    client = client_for(co_lead)
    # Something was published before the outage, so the web process holds a pooled
    # broker connection that Redis's death leaves broken.
    send_email_task.apply_async((0,))  # no such email: the worker will ignore it
    assert own_redis.queued() == 1
    own_redis.stop()

    # The first request meets the broken pooled connection; the second comes to a
    # web process started during the outage, which has to connect afresh. Neither
    # may wait for Redis.
    for waiting in (first, second):
        if waiting is second:
            use_broker(own_redis.url)  # a fresh process: no pooled connection
        started = time.monotonic()
        response = client.post(
            reverse("members:join_request_decide", args=[waiting.pk]),
            {"decision": "approve"},
        )
        elapsed = time.monotonic() - started
        assert response.status_code == 302
        assert elapsed < 1, f"the request took {elapsed:.2f} s with Redis down"
        waiting.refresh_from_db()
        assert waiting.status == Member.Status.ACTIVE
    welcome = OutboundEmail.objects.filter(to__in=[first.user.email, second.user.email])
    assert welcome.count() == 2
    assert all(e.status == OutboundEmail.Status.QUEUED for e in welcome)
    assert all(e.published_at is None for e in welcome)

    # Redis comes back; beat's re-publisher finds the row once it is old enough.
    # (The pooled broker connection from before the outage is dead; publishing
    # replaces it, as a long-running web process would.)
    own_redis.start()
    welcome.update(created_at=timezone.now() - emails.REPUBLISH_AFTER * 2)
    assert emails.emails_republish() == 2
    assert emails.emails_republish() == 0  # published just now: not again
    assert own_redis.queued() == 2  # Redis restarted empty: only the welcomes

    # And the worker comes back: it sends each welcome exactly once.
    with start_worker(
        celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10
    ):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if welcome.filter(status=OutboundEmail.Status.SENT).count() == 2:
                break
            time.sleep(0.1)
        # A late re-publish (beat firing again) finds nothing to hand over.
        welcome.update(published_at=None)
        emails.emails_republish()
        time.sleep(1)
    assert welcome.filter(status=OutboundEmail.Status.SENT).count() == 2
    for waiting in (first, second):
        welcomes = [m for m in mail.outbox if m.to == [waiting.user.email]]
        assert len(welcomes) == 1
        assert "Welcome to IMG Portal!" in welcomes[0].body
        for link in ("/members/me/edit/", "/newsletters/", "/newsletters/preferences/"):
            assert f"http://testserver{link}" in welcomes[0].body
