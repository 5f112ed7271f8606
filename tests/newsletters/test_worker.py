"""End to end: a real Celery worker on Redis sends to a real SMTP server."""

import time

import pytest

from newsletters import services
from newsletters.models import Newsletter
from tests.factories import MemberFactory


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


@pytest.mark.django_db(transaction=True)
def test_marks_made_on_a_second_connection_are_all_committed_and_it_is_closed(
    reference_data, smtp, monkeypatch
):
    """Outside a transaction (as in a worker) each "sent" record is written on a
    second connection while the next message goes out: every row ends up sent, and
    that connection does not outlive the batch."""
    from django.db import connection

    from newsletters.models import Delivery

    members = MemberFactory.create_batch(30)
    newsletter = services.newsletter_save(
        newsletter=Newsletter(subject="Overlapped", body="Hello"), by=members[0].user
    )
    newsletter.status = Newsletter.Status.SENDING
    newsletter.save()

    def backends() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database()"
            )
            return cursor.fetchone()[0]

    before = backends()
    monkeypatch.setattr(services, "_enqueue_pending", lambda newsletter_id: 0)
    services.newsletter_fan_out(newsletter_id=newsletter.pk)
    ids = list(Delivery.objects.values_list("pk", flat=True))
    assert not connection.in_atomic_block
    result = services.deliveries_send_batch(
        newsletter_id=newsletter.pk, delivery_ids=ids
    )
    assert result["sent"] == 30
    assert Delivery.objects.filter(status=Delivery.Status.SENT).count() == 30
    assert len({m["To"] for m in smtp.messages}) == 30
    newsletter.refresh_from_db()
    assert newsletter.status == Newsletter.Status.SENT
    assert backends() == before
