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
def test_each_message_is_committed_as_sent_before_the_server_can_keep_it(
    reference_data, smtp, monkeypatch
):
    """Outside a transaction (as in a worker), the final "." is written only once
    the COMMIT recording the row "sent" is on its way to PostgreSQL (and the server
    has no copy before it), and when the hand-over returns another connection
    sees the row "sent"."""
    import psycopg
    from django.db import connection
    from psycopg import pq

    from newsletters.models import Delivery

    members = MemberFactory.create_batch(10)
    newsletter = services.newsletter_save(
        newsletter=Newsletter(subject="Ordered", body="Hello"), by=members[0].user
    )
    newsletter.status = Newsletter.Status.SENDING
    newsletter.save()
    monkeypatch.setattr(services, "_enqueue_pending", lambda newsletter_id: 0)
    services.newsletter_fan_out(newsletter_id=newsletter.pk)
    deliveries = {d.pk: d.email for d in Delivery.objects.all()}
    seen = []
    real_hand_over = services._hand_over

    def watched(delivery_id, claimed_at, then):
        def write_dot():
            pgconn = connection.connection.pgconn
            seen.append(
                (
                    # The COMMIT written, its answer not read yet.
                    pgconn.transaction_status == pq.TransactionStatus.ACTIVE,
                    len(smtp.recorder.to(deliveries[delivery_id])),
                )
            )
            then()

        handed = real_hand_over(delivery_id, claimed_at, write_dot)
        with psycopg.connect(dbname=connection.settings_dict["NAME"]) as other:
            status = other.execute(
                "SELECT status FROM newsletters_delivery WHERE id = %s", [delivery_id]
            ).fetchone()[0]
        seen.append(status)
        return handed

    monkeypatch.setattr(services, "_hand_over", watched)
    assert not connection.in_atomic_block
    result = services.deliveries_send_batch(
        newsletter_id=newsletter.pk, delivery_ids=list(deliveries)
    )
    assert result["sent"] == 10
    assert seen == [(True, 0), "sent"] * 10
    assert sorted(m["To"] for m in smtp.messages) == sorted(deliveries.values())
    newsletter.refresh_from_db()
    assert newsletter.status == Newsletter.Status.SENT
