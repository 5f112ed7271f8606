"""Benchmark: one newsletter to 5,000 members through one Celery worker.

    .venv/bin/python bench/newsletter.py [--members 5000] [--runs 3] [--concurrency 2]

Builds its own database (imgportal_bench_mail), seeds the members (all made active,
so every one of them is a recipient), starts an SMTP sink (aiosmtpd, in its own
process, on a spare loopback port) and one Celery worker (concurrency 2, as
deployed) on a
spare Redis database, sends the newsletter (--runs times, one after the other, each
to everybody), and prints emails per second from "send" to "all recorded" and from
the first to the last message the sink received, per run and the median.
Goal on this 2-core machine: 300/s. Run by `make bench-newsletter`, not by
`make test`.
"""

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import free_port  # noqa: E402

DB = "imgportal_bench_mail"


def _send_one(services, author, subject):
    """Send one newsletter to everybody; return it and the seconds until every
    delivery was recorded."""
    from newsletters.models import Newsletter

    newsletter = services.newsletter_save(
        newsletter=Newsletter(
            subject=subject,
            body="# Hello\n\nA **benchmark** newsletter with a "
            "[link](https://example.org).",
        ),
        by=author,
    )
    started = time.monotonic()
    services.newsletter_send_now(newsletter=newsletter, by=author)
    deadline = started + 600
    while time.monotonic() < deadline:
        newsletter.refresh_from_db()
        if newsletter.status == Newsletter.Status.SENT:
            break
        time.sleep(0.2)
    return newsletter, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--concurrency",
        type=int,
        default=2,
        help="worker processes (2, as Procfile.dev and docker-compose.yml run it)",
    )
    options = parser.parse_args()

    sink_port = free_port()
    sink_report = Path(f"/tmp/imgportal-bench-sink-{os.getpid()}.json")  # noqa: S108
    sink = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.smtp_sink",
            "--port",
            str(sink_port),
            "--report",
            str(sink_report),
        ],
        cwd=ROOT,
    )
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres:///{DB}",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1",
        "REDIS_URL": "redis://127.0.0.1:6379/13",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink_port),
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "imgportal.settings",
    }
    os.environ.update(env)

    def manage(*args: str) -> None:
        subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )

    subprocess.run(["dropdb", "--if-exists", "-h", "127.0.0.1", DB], check=True)
    subprocess.run(
        ["redis-cli", "-n", "13", "flushdb"], check=True, capture_output=True
    )
    manage("ensure_database")
    manage("migrate", "--noinput")
    manage("seed_demo", "--force", "--members", str(options.members))

    import django

    django.setup()
    from members.models import Member, User
    from newsletters import services
    from newsletters.models import Delivery
    from notifications import selectors as notification_selectors

    Member.objects.update(status=Member.Status.ACTIVE)
    worker = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/celery"),
            "-A",
            "imgportal",
            "worker",
            "--concurrency",
            str(options.concurrency),
            "--pool",
            "prefork",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        from imgportal.celery import app

        for _ in range(60):  # until the worker answers, so its start-up isn't timed
            if app.control.ping(timeout=1):
                break
        author = User.objects.get(email="colead@demo.imgportal.test")
        recipients = notification_selectors.audience_counts({})["recipients"]
        runs = [
            _send_one(services, author, f"Benchmark issue {n}")
            for n in range(1, options.runs + 1)
        ]
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        sink.terminate()
        sink.wait(timeout=60)

    at_sink = json.loads(sink_report.read_text())
    sink_report.unlink()
    rows = []
    for newsletter, elapsed in runs:
        sent = Delivery.objects.filter(newsletter=newsletter, status="sent").count()
        sink_run = at_sink.get(
            newsletter.subject, {"received": 0, "distinct": 0, "seconds": 0}
        )
        received = sink_run["received"]
        rows.append(
            {
                "subject": newsletter.subject,
                "sent": sent,
                "received": received,
                "distinct": sink_run["distinct"],
                "elapsed": elapsed,
                "overall": received / elapsed,
                "sink_seconds": sink_run["seconds"],
                "at_sink": received / sink_run["seconds"] if sink_run["seconds"] else 0,
            }
        )
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## Newsletter to {recipients:,} members, one worker of concurrency "
        f"{options.concurrency} ({stamp})",
        "",
        "| run | sent | received by the sink | distinct addresses "
        "| s, send → all recorded | emails/s overall "
        "| s, first → last at the sink | emails/s at the sink |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        lines.append(
            f"| {row['subject']} | {row['sent']} | {row['received']} "
            f"| {row['distinct']} | {row['elapsed']:.1f} | {row['overall']:.0f} "
            f"| {row['sink_seconds']:.1f} | {row['at_sink']:.0f} |"
        )
    lines += [
        "",
        f"Median of {len(rows)} runs: "
        f"**{statistics.median(r['overall'] for r in rows):.0f} emails/s** overall, "
        f"{statistics.median(r['at_sink'] for r in rows):.0f} emails/s at the sink.",
    ]
    report = "\n".join(lines)
    print(report)
    out = ROOT / "bench/results" / f"newsletter-{datetime.now(UTC):%Y%m%d-%H%M}.md"
    out.write_text(report + "\n")
    print(f"\nwritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
