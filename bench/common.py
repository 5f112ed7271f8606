"""Shared by the page benchmarks: a throw-away database, gunicorn under
production settings on a spare loopback port, and sequential timings."""

import os
import secrets
import statistics
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import free_port  # noqa: E402

# One key for the whole run: sessions made while seeding must still be valid
# when the pages are measured.
SECRET_KEY = secrets.token_urlsafe(64)


def bench_env(database: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"postgres:///{database}",
        "DEBUG": "0",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "REDIS_URL": "redis://127.0.0.1:6379/14",
        "LOG_LEVEL": "WARNING",
    }


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        print(done.stderr[-4000:], file=sys.stderr)
        done.check_returncode()
    return done.stdout


def analyze(database: str) -> None:
    """Planner statistics after bulk seeding, as autovacuum would have gathered
    them on a database that has been in use: without them PostgreSQL guesses 8
    members where there are 5,000 and picks plans for 8."""
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-d", database, "-qc", "ANALYZE"], check=True
    )


def fresh_database(env: dict[str, str], database: str) -> None:
    subprocess.run(["dropdb", "--if-exists", "-h", "127.0.0.1", database], check=True)
    manage(env, "ensure_database")
    manage(env, "migrate", "--noinput")


@contextmanager
def gunicorn(env: dict[str, str], workers: int = 2):
    """Serve the portal; yields its base URL once /healthz answers."""
    manage(env, "collectstatic", "--noinput")
    port = free_port()
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "imgportal.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(50):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def time_requests(url: str, count: int, cookie: str = "", warm: int = 5) -> list:
    """Milliseconds for `count` sequential GETs (after `warm` untimed ones)."""
    timings = []
    for n in range(count + warm):
        headers = {"Cookie": cookie} if cookie else {}
        request = urllib.request.Request(url, headers=headers)
        start = time.perf_counter()
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            assert response.status == 200, (url, response.status)
        if n >= warm:  # the first few warm caches and connections
            timings.append((time.perf_counter() - start) * 1000)
    return sorted(timings)


def summary(label: str, timings: list) -> tuple:
    """(label, median, p95, max) in milliseconds."""
    return (
        label,
        statistics.median(timings),
        timings[int(len(timings) * 0.95) - 1],
        max(timings),
    )


def write_report(name: str, lines: list[str]) -> None:
    report = "\n".join(lines)
    print(report)
    out = ROOT / "bench/results" / f"{name}-{datetime.now(UTC):%Y%m%d-%H%M}.md"
    out.write_text(report + "\n")
    print(f"\nwritten to {out.relative_to(ROOT)}")


def stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
