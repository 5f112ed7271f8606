"""Benchmark: the co-lead member list (/members/manage/) with 5,000 members.

    .venv/bin/python bench/members_manage.py [--members 5000] [--requests 200]

Builds its own database (imgportal_bench, dropped and re-created), seeds the
members, serves the portal with gunicorn under production settings on a spare
loopback port, and times requests as a signed-in co-lead. Prints a Markdown table
and writes it under bench/results/. Not run by `make test`.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # run as a script: bench/ is on the path
    bench_env,
    fresh_database,
    gunicorn,
    manage,
    stamp,
    summary,
    time_requests,
    write_report,
)

DB = "imgportal_bench"
ENV = bench_env(DB)
PAGES = {
    "list, first page": "/members/manage/",
    "filter visa J-1 + stage": "/members/manage/?visa_status=j1&training_stage=pgy2",
    "search by name": "/members/manage/?q=sharma",
    "sorted newest, page 40": "/members/manage/?sort=-joined&page=40",
    "directory (resident view)": "/members/",
}


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

    fresh_database(ENV, DB)
    started = time.monotonic()
    manage(ENV, "seed_demo", "--force", "--members", str(options.members))
    seed_seconds = time.monotonic() - started
    session = manage(ENV, "shell", "-c", SESSION_SCRIPT).strip().splitlines()[-1]
    with gunicorn(ENV) as base:
        rows = [
            summary(
                label,
                time_requests(base + path, options.requests, f"sessionid={session}"),
            )
            for label, path in PAGES.items()
        ]
    write_report(
        "members_manage",
        [
            f"## /members/manage/ with {options.members:,} seeded members ({stamp()})",
            "",
            f"gunicorn, 2 workers, production settings; {options.requests} sequential "
            f"requests per page as a signed-in co-lead; seeding took "
            f"{seed_seconds:.0f} s.",
            "",
            "| Page | median ms | p95 ms | max ms |",
            "| --- | ---: | ---: | ---: |",
            *(f"| {r[0]} | {r[1]:.1f} | {r[2]:.1f} | {r[3]:.1f} |" for r in rows),
        ],
    )


if __name__ == "__main__":
    main()
