"""Docker health checks for the portal's containers (docker-compose*.yml).

    python deploy/healthcheck.py web    GET /healthz as a browser would reach it
    python deploy/healthcheck.py beat   beat wrote its schedule file lately

web: Django answers 400 to a Host header outside ALLOWED_HOSTS, so a check that
asks for http://localhost/ fails as soon as ALLOWED_HOSTS names only the real
domain. This one connects to the local gunicorn but sends the first name in
ALLOWED_HOSTS as the Host (a leading dot dropped; '*' allows any). /healthz is
exempt from the HTTPS redirect (SECURE_REDIRECT_EXEMPT), so plain HTTP is right.

beat: beat saves its schedule (last run of each entry) every three minutes while
it runs; a file untouched for ten minutes means beat is stuck.

Standard library only, no Django start-up: it runs every 30 seconds.
"""

import glob
import os
import sys
import time
import urllib.error
import urllib.request

BEAT_STALE_SECONDS = 600


def host_header(allowed_hosts: str) -> str:
    for name in allowed_hosts.split(","):
        name = name.strip()
        if name and name != "*":
            return name.lstrip(".")
    return "localhost"


def check_web() -> str | None:
    port = os.environ.get("PORT", "8000")
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/healthz",
        headers={"Host": host_header(os.environ.get("ALLOWED_HOSTS", ""))},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return None if response.status == 200 else f"HTTP {response.status}"
    except urllib.error.HTTPError as error:
        return f"HTTP {error.code}: {error.read(200).decode(errors='replace')}"
    except OSError as error:
        return str(error)


def check_beat() -> str | None:
    schedule = os.environ.get(
        "CELERY_BEAT_SCHEDULE_FILENAME", "var/celerybeat-schedule"
    )
    # dbm adds a suffix of its own (.db, or .dat/.dir/.bak), depending on the build.
    files = glob.glob(glob.escape(schedule) + "*")
    if not files:
        return f"no schedule file at {schedule}"
    age = time.time() - max(os.path.getmtime(name) for name in files)
    if age > BEAT_STALE_SECONDS:
        return f"schedule file not written for {age:.0f} s"
    return None


def main(argv: list[str]) -> int:
    checks = {"web": check_web, "beat": check_beat}
    if len(argv) != 2 or argv[1] not in checks:
        print(f"usage: {argv[0]} {'|'.join(checks)}", file=sys.stderr)  # noqa: T201
        return 2
    problem = checks[argv[1]]()
    if problem:
        print(f"unhealthy: {problem}", file=sys.stderr)  # noqa: T201
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
