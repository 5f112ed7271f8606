"""A real Celery worker, killed with SIGKILL in the middle of a newsletter.

The worker runs as production runs it (`celery worker`, prefork, its own process
group) on a redis-server of the test's own, and sends to an SMTP server on a spare
port. That server kills the whole worker while the worker waits for its answer,
at one of the two moments that matter (newsletters/services.py):
- before the final "." of a message: the server keeps nothing of it;
- after the final ".": the server has the message, whose row was recorded "sent"
  just before the "." went out.
Then a second worker starts, beat's resume task runs once the dead worker's claim
is stale, and every member must have exactly one copy.
"""

import os
import time
from collections import Counter

import pytest
from django.db import connection

from newsletters import selectors, services
from newsletters.models import Delivery, Newsletter
from newsletters.tasks import resume_task
from tests.factories import MemberFactory
from tests.servers import WorkerProcess
from tests.smtp_sink import Recorder, SmtpSink

STALE_SECONDS = 2


class KillingRecorder(Recorder):
    """Kills the worker once, at the `at`-th message, before answering it."""

    def __init__(self, at: int, moment: str):
        super().__init__()
        self.at = at
        self.moment = moment
        self.rcpts = 0
        self.worker: WorkerProcess | None = None
        self.killed_at: int | None = None

    def _kill(self) -> None:
        if self.killed_at is None:
            self.killed_at = len(self.raw)
            self.worker.kill()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpts += 1
        if self.moment == "before the final dot" and self.rcpts == self.at:
            self._kill()
        return await super().handle_RCPT(
            server, session, envelope, address, rcpt_options
        )

    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        if self.moment == "after the final dot" and len(self.raw) == self.at:
            self._kill()
        return answer


def _wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _two_workers(
    own_redis, sink: SmtpSink, tmp_path
) -> tuple[WorkerProcess, WorkerProcess]:
    """The worker to kill and the one that finishes, on the test's database and
    Redis, sending to `sink`."""
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres:///{connection.settings_dict['NAME']}",
        "REDIS_URL": own_redis.url,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink.port),
        "NEWSLETTER_STALE_CLAIM_SECONDS": str(STALE_SECONDS),
    }
    log = tmp_path / "worker.log"
    return WorkerProcess(env, log), WorkerProcess(env, log)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("moment", ["before the final dot", "after the final dot"])
def test_a_worker_killed_mid_newsletter_leaves_everybody_exactly_one_copy(
    reference_data, own_redis, tmp_path, moment
):
    members = MemberFactory.create_batch(60)
    recorder = KillingRecorder(at=25, moment=moment)
    sink = SmtpSink(recorder)
    first, second = _two_workers(own_redis, sink, tmp_path)
    recorder.worker = first
    with sink:
        try:
            first.start()
            first.wait_ready()
            newsletter = services.newsletter_save(
                newsletter=Newsletter(subject="Orientation week", body="Welcome"),
                by=members[0].user,
            )
            services.newsletter_send_now(newsletter=newsletter, by=members[0].user)
            _wait_for(lambda: first.process.poll() is not None, 60, "the kill")

            # Dead: some rows recorded as sent, the rest of its batch claimed.
            expected_at_kill = 24 if moment == "before the final dot" else 25
            assert recorder.killed_at == expected_at_kill
            assert len(recorder.raw) == expected_at_kill
            statuses = Counter(
                Delivery.objects.filter(newsletter=newsletter).values_list(
                    "status", flat=True
                )
            )
            assert statuses == {
                "sent": expected_at_kill,
                "sending": 60 - statuses["sent"],
            }

            _resume_with(second, newsletter)
        finally:
            first.kill()
            second.stop()
    _assert_exactly_one_copy_each(recorder, members, newsletter)


def _resume_with(second: WorkerProcess, newsletter) -> None:
    """A second worker, beat's resume once the dead worker's claim is stale, and
    the newsletter finished."""
    second.start()
    second.wait_ready()
    time.sleep(STALE_SECONDS + 0.5)
    resume_task.delay()  # what beat does every minute

    def finished() -> bool:
        newsletter.refresh_from_db()
        return newsletter.status == Newsletter.Status.SENT

    _wait_for(finished, 60, "the newsletter to finish")
    resume_task.delay()  # beat again: nothing left to send
    time.sleep(1)


def _assert_exactly_one_copy_each(recorder, members, newsletter) -> None:
    copies = Counter(message["To"] for message in recorder.messages)
    assert copies == {member.user.email: 1 for member in members}
    progress = selectors.newsletter_progress(newsletter)
    assert progress["counts"]["sent"] == len(members)
    assert progress["failures"] == []


SLOW_COMMIT = """
CREATE FUNCTION test_slow_sent_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id = (SELECT id FROM newsletters_delivery ORDER BY id OFFSET 24 LIMIT 1)
    THEN PERFORM pg_sleep(3);
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER test_slow_sent_commit
    AFTER UPDATE ON newsletters_delivery DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.status = 'sent' AND OLD.status = 'sending')
    EXECUTE FUNCTION test_slow_sent_commit();
"""


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_while_a_sent_record_commits_leaves_exactly_one_copy(
    reference_data, own_redis, tmp_path
):
    """Committing the row "sent" (the disk flush) is most of a message's time.
    Here the 25th commit is made to take 3 s (a deferred trigger sleeping at
    COMMIT) and the worker is killed in the middle of it: PostgreSQL still
    commits, so the final "." must already be on its way or the server throws the
    message away and nobody resends it (the hand-over used to wait for the
    commit's answer before writing the ".")."""
    members = MemberFactory.create_batch(60)
    recorder = Recorder()
    sink = SmtpSink(recorder)
    first, second = _two_workers(own_redis, sink, tmp_path)
    with connection.cursor() as cursor:
        cursor.execute(SLOW_COMMIT)
    try:
        with sink:
            try:
                first.start()
                first.wait_ready()
                newsletter = services.newsletter_save(
                    newsletter=Newsletter(subject="Orientation week", body="Hi"),
                    by=members[0].user,
                )
                services.newsletter_send_now(newsletter=newsletter, by=members[0].user)

                def committing() -> bool:
                    with connection.cursor() as cursor:
                        cursor.execute(
                            "SELECT 1 FROM pg_stat_activity "
                            "WHERE wait_event = 'PgSleep' AND query ILIKE 'COMMIT%' "
                            "AND datname = current_database()"
                        )
                        return cursor.fetchone() is not None

                _wait_for(committing, 60, "the 25th commit")
                first.kill()
                # The 25th "." went out before the commit's answer was awaited.
                _wait_for(lambda: len(recorder.raw) >= 25, 2, "the 25th message")
                assert len(recorder.raw) == 25
                with connection.cursor() as cursor:
                    cursor.execute(
                        "DROP TRIGGER test_slow_sent_commit ON newsletters_delivery"
                    )
                _resume_with(second, newsletter)
            finally:
                first.kill()
                second.stop()
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "DROP TRIGGER IF EXISTS test_slow_sent_commit ON newsletters_delivery;"
                "DROP FUNCTION IF EXISTS test_slow_sent_commit()"
            )
    _assert_exactly_one_copy_each(recorder, members, newsletter)
