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


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("moment", ["before the final dot", "after the final dot"])
def test_a_worker_killed_mid_newsletter_leaves_everybody_exactly_one_copy(
    reference_data, own_redis, tmp_path, moment
):
    members = MemberFactory.create_batch(60)
    recorder = KillingRecorder(at=25, moment=moment)
    sink = SmtpSink(recorder)
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres:///{connection.settings_dict['NAME']}",
        "REDIS_URL": own_redis.url,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink.port),
        "NEWSLETTER_STALE_CLAIM_SECONDS": str(STALE_SECONDS),
    }
    first = WorkerProcess(env, tmp_path / "worker.log")
    second = WorkerProcess(env, tmp_path / "worker.log")
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
        finally:
            first.kill()
            second.stop()

    copies = Counter(message["To"] for message in recorder.messages)
    assert copies == {member.user.email: 1 for member in members}
    progress = selectors.newsletter_progress(newsletter)
    assert progress["counts"]["sent"] == 60
    assert progress["failures"] == []
