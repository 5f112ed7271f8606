"""Benchmark: the co-lead member list (/members/manage/) with 5,000 members.

    .venv/bin/python bench/members_manage.py [--members 5000] [--requests 200]

Builds its own database (imgportal_bench, dropped and re-created), seeds the
members, serves the portal with gunicorn under production settings on a spare
loopback port, and times requests as a signed-in co-lead. Prints a Markdown table
and writes it under bench/results/. Not run by `make test`.
"""

import argparse
import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB = "imgportal_bench"
ENV = {
    **os.environ,
    "DATABASE_URL": f"postgres:///{DB}",
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "0",
    "SECURE_COOKIES": "0",
    "REDIS_URL": "redis://127.0.0.1:6379/14",
    "LOG_LEVEL": "WARNING",
}
PAGES = {
    "list, first page": "/members/manage/",
    "filter visa J-1 + stage": "/members/manage/?visa_status=j1&training_stage=pgy2",
    "search by name": "/members/manage/?q=sharma",
    "sorted newest, page 40": "/members/manage/?sort=-joined&page=40",
    "directory (resident view)": "/members/",
}


def manage(*args: str) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=ENV,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


SESSION_SCRIPT = """
from django.conf import settings
from django.test import Client
from members.models import User
from tests.factories import give_totp
user = User.objects.get(email="colead@demo.imgportal.test")
if not user.authenticator_set.exists():
    give_totp(user)
client = Client()
client.force_login(user)
print(client.cookies[settings.SESSION_COOKIE_NAME].value)
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=200)
    options = parser.parse_args()

    subprocess.run(["dropdb", "--if-exists", "-h", "127.0.0.1", DB], check=True)
    manage("ensure_database")
    manage("migrate", "--noinput")
    started = time.monotonic()
    manage("seed_demo", "--force", "--members", str(options.members))
    seed_seconds = time.monotonic() - started
    manage("collectstatic", "--noinput")
    session = manage("shell", "-c", SESSION_SCRIPT).strip().splitlines()[-1]

    port = free_port()
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "imgportal.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
        ],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(50):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        rows = []
        for label, path in PAGES.items():
            timings = []
            for n in range(options.requests + 5):
                request = urllib.request.Request(
                    base + path, headers={"Cookie": f"sessionid={session}"}
                )
                start = time.perf_counter()
                with urllib.request.urlopen(request, timeout=30) as response:
                    response.read()
                    assert response.status == 200, (path, response.status)
                if n >= 5:  # the first few warm caches and connections
                    timings.append((time.perf_counter() - start) * 1000)
            timings.sort()
            rows.append(
                (
                    label,
                    statistics.median(timings),
                    timings[int(len(timings) * 0.95) - 1],
                    max(timings),
                )
            )
    finally:
        server.terminate()
        server.wait(timeout=10)

    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## /members/manage/ with {options.members:,} seeded members ({stamp})",
        "",
        f"gunicorn, 2 workers, production settings; {options.requests} sequential "
        f"requests per page as a signed-in co-lead; seeding took {seed_seconds:.0f} s.",
        "",
        "| Page | median ms | p95 ms | max ms |",
        "| --- | ---: | ---: | ---: |",
        *(f"| {r[0]} | {r[1]:.1f} | {r[2]:.1f} | {r[3]:.1f} |" for r in rows),
    ]
    report = "\n".join(lines)
    print(report)
    out = ROOT / "bench/results" / f"members_manage-{datetime.now(UTC):%Y%m%d-%H%M}.md"
    out.write_text(report + "\n")
    print(f"\nwritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
