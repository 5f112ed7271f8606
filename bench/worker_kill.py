"""Slow fault run: a Celery worker killed with SIGKILL at a random moment of a
newsletter, several times, counting every recipient's copies.

    .venv/bin/python bench/worker_kill.py [--members 2000] [--rounds 5] [--seed 1]

`tests/faults/test_worker_kill.py` kills the worker at the two moments of the
delivery protocol that matter, from inside the SMTP server, so the result is
certain. This run kills it from outside at a random time while it sends, as a
crash would, wherever the worker happens to be. Each round: start a worker
(prefork, its own process group), send a newsletter to everybody, SIGKILL the
worker 0.5–4 s later, start another, run the resume task every 5 s once the
claim is stale (what beat does every minute) until the newsletter finishes, then
count the copies each member received at the SMTP server.

It uses its own database (imgportal_bench_kill), its own redis-server and SMTP
server on spare loopback ports, and stops only those. Run by `make bench`.
"""

import argparse
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # run as a script: bench/ is on the path
    analyze,
    bench_env,
    fresh_database,
    manage,
    stamp,
    write_report,
)

from tests.servers import OwnRedis, WorkerProcess
from tests.smtp_sink import SmtpSink

DB = "imgportal_bench_kill"
STALE_SECONDS = 2


def _wait_for(condition, timeout: float, every: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False


def _round(number, *, env, log, sink, rng, services, author) -> dict:
    from newsletters import selectors
    from newsletters.models import Delivery, Newsletter
    from newsletters.tasks import resume_task

    subject = f"Kill round {number}"
    first, second = WorkerProcess(env, log), WorkerProcess(env, log)
    try:
        first.start()
        first.wait_ready()
        newsletter = services.newsletter_save(
            newsletter=Newsletter(subject=subject, body="Hello"), by=author
        )
        services.newsletter_send_now(newsletter=newsletter, by=author)
        delay = rng.uniform(0.5, 4.0)
        time.sleep(delay)
        at_kill = sum(1 for m in sink.recorder.messages if m["Subject"] == subject)
        first.kill()
        second.start()
        second.wait_ready()
        time.sleep(STALE_SECONDS + 0.5)

        def finished() -> bool:
            newsletter.refresh_from_db()
            if newsletter.status == Newsletter.Status.SENT:
                return True
            # What beat does every minute, here every few seconds. A batch whose
            # task message the dead worker had taken is queued again once its
            # rows have waited REENQUEUE_AFTER (2 min): the message itself only
            # comes back after Redis's visibility timeout.
            resume_task.delay()
            return False

        done = _wait_for(finished, 300, every=5)
    finally:
        first.kill()
        second.stop()
    copies = Counter(m["To"] for m in sink.recorder.messages if m["Subject"] == subject)
    counts = selectors.newsletter_progress(newsletter)["counts"]
    # Everybody the fan-out wrote a row for, less those who turned newsletters off.
    expected = set(
        Delivery.objects.filter(newsletter=newsletter)
        .exclude(status=Delivery.Status.SKIPPED)
        .values_list("email", flat=True)
    )
    return {
        "recipients": len(expected),
        "round": number,
        "delay": delay,
        "at_kill": at_kill,
        "finished": done,
        "missing": len(expected - set(copies)),
        "twice": sum(1 for n in copies.values() if n > 1),
        "uncertain": counts["uncertain"],
        "sent": counts["sent"],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, SmtpSink() as sink:
        redis = OwnRedis(Path(tmp))
        redis.start()
        try:
            env = {
                **bench_env(DB),
                "REDIS_URL": redis.url,
                "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": str(sink.port),
                "NEWSLETTER_STALE_CLAIM_SECONDS": str(STALE_SECONDS),
                "DJANGO_SETTINGS_MODULE": "imgportal.settings",
            }
            fresh_database(env, DB)
            manage(env, "seed_demo", "--force", "--members", str(options.members))
            analyze(DB)
            os.environ.update(env)
            import django

            django.setup()
            from members.models import Member, User
            from newsletters import services

            Member.objects.update(status=Member.Status.ACTIVE)
            author = User.objects.get(email="colead@demo.imgportal.test")
            rng = random.Random(options.seed)  # noqa: S311 (kill times, not secrets)
            log = Path(tmp) / "worker.log"
            rows = [
                _round(
                    n,
                    env=env,
                    log=log,
                    sink=sink,
                    rng=rng,
                    services=services,
                    author=author,
                )
                for n in range(1, options.rounds + 1)
            ]
        finally:
            redis.stop()

    lines = [
        f"## A worker killed with SIGKILL at a random moment ({stamp()})",
        "",
        f"{rows[0]['recipients']:,} recipients per newsletter; one worker (prefork, "
        "concurrency 1) killed, a second one started, the resume task run every 5 s "
        "once the claim was stale.",
        "",
        "| round | killed after s | at the server when killed | finished "
        "| recipients missing | recipients with 2+ copies | in doubt | sent |",
        "| ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        lines.append(
            f"| {row['round']} | {row['delay']:.2f} | {row['at_kill']:,} "
            f"| {'yes' if row['finished'] else 'NO'} | {row['missing']} "
            f"| {row['twice']} | {row['uncertain']} | {row['sent']:,} |"
        )
    bad = sum(r["missing"] + r["twice"] for r in rows) + sum(
        not r["finished"] for r in rows
    )
    lines += [
        "",
        "Every recipient exactly one copy in every round."
        if not bad
        else f"**{bad} recipients without exactly one copy (or rounds unfinished).**",
    ]
    write_report("worker_kill", lines)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
