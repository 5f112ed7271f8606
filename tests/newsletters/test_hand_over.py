"""The "sent" record of a newsletter copy, committed around the final "."
(newsletters.services._hand_over), on the paths where something goes wrong:
the connection is never left inside the transaction, and nothing is recorded
"sent" that was not."""

import pytest
from django.db import connection
from django.utils import timezone
from psycopg import pq

from newsletters import services
from newsletters.models import Delivery, Newsletter
from newsletters.transport import ReplyLost
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def claimed(reference_data):
    member = MemberFactory()
    newsletter = services.newsletter_save(
        newsletter=Newsletter(subject="Hand-over", body="Hello"), by=member.user
    )
    now = timezone.now()
    delivery = Delivery.objects.create(
        newsletter=newsletter,
        member=member,
        email=member.user.email,
        status=Delivery.Status.SENDING,
        claimed_at=now,
    )
    assert not connection.in_atomic_block
    return delivery, now


def _idle() -> bool:
    return (
        connection.connection is None
        or connection.connection.pgconn.transaction_status == pq.TransactionStatus.IDLE
    )


def test_a_held_claim_is_recorded_sent_and_the_dot_written_before_the_answer(claimed):
    delivery, token = claimed
    dots = []
    assert services._hand_over(delivery.pk, token, lambda: dots.append(1))
    assert dots == [1]
    assert _idle()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT


def test_a_lost_claim_writes_no_dot_and_leaves_the_connection_idle(claimed):
    delivery, token = claimed
    Delivery.objects.filter(pk=delivery.pk).update(claimed_at=timezone.now())
    dots = []
    assert not services._hand_over(delivery.pk, token, lambda: dots.append(1))
    assert dots == []
    assert _idle()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENDING


def test_an_interruption_inside_the_transaction_rolls_it_back(claimed, monkeypatch):
    """A soft time limit (or anything) raised between the UPDATE and the COMMIT:
    the connection is closed, so the row is not held or committed later."""
    delivery, token = claimed
    real_results = services._results

    def interrupted(pgconn, query=None):
        real_results(pgconn, query)
        raise SystemExit("soft time limit")

    monkeypatch.setattr(services, "_results", interrupted)
    with pytest.raises(SystemExit):
        services._hand_over(delivery.pk, token, lambda: None)
    monkeypatch.undo()
    assert _idle()
    delivery.refresh_from_db()  # a new connection works
    assert delivery.status == Delivery.Status.SENDING
    # Nothing waits on the row's lock: another worker can release and claim it.
    assert services._hand_over(delivery.pk, token, lambda: None)


def test_a_commit_refused_after_the_dot_is_in_doubt_not_resent(claimed):
    delivery, token = claimed
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION test_refuse_commit() RETURNS trigger LANGUAGE plpgsql "
            "AS $$ BEGIN RAISE EXCEPTION 'refused at commit'; END $$; "
            "CREATE CONSTRAINT TRIGGER test_refuse_commit AFTER UPDATE ON "
            "newsletters_delivery DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
            "EXECUTE FUNCTION test_refuse_commit()"
        )
    try:
        dots = []
        with pytest.raises(ReplyLost):
            services._hand_over(delivery.pk, token, lambda: dots.append(1))
        assert dots == [1]
        assert _idle()
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "DROP TRIGGER test_refuse_commit ON newsletters_delivery; "
                "DROP FUNCTION test_refuse_commit()"
            )
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENDING  # deliveries_send_batch: in doubt
