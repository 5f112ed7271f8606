"""`make bench`: the portal under load, as each kind of user, with baselines.

    .venv/bin/python bench/load.py [--users 20] [--seconds 20] [--skip-others]

Builds its own database (imgportal_bench_load, dropped and re-created) with a large
realistic data set: 5,000 members (seed_demo), 500 handbook pages of 20 revisions
each, 400 events with 10,000 RSVPs and 300 mentors. Serves the portal with
gunicorn (2 sync workers, production settings) on a spare loopback port and
drives each page with locust (headless, 20 concurrent users, no think time) as
a visitor, a signed-in resident (20 different ones) or a co-lead. The same run
measures two baselines on the same server: a trivial Django view (/ping) and a
static file served by whitenoise. Prints a Markdown table and writes it under
bench/results/; then runs the newsletter (5,000 recipients) and matching-round
benchmarks and the random-moment worker kill (bench/worker_kill.py) unless
--skip-others. Not run by `make test`.
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # run as a script: bench/ is on the path
    ROOT,
    analyze,
    bench_env,
    fresh_database,
    gunicorn,
    manage,
    stamp,
    write_report,
)
from handbook_search import SEED_SCRIPT as HANDBOOK_SCRIPT

DB = "imgportal_bench_load"
ENV = bench_env(DB)

EXTRA_SCRIPT = """
import json, random
from datetime import timedelta
from django.conf import settings
from django.templatetags.static import static
from django.test import Client
from django.utils import timezone
from events.models import Event, Rsvp
from members.models import Member, User
from mentorship.models import MentorProfile
from tests.factories import give_totp

rng = random.Random(9)
now = timezone.now()
gme = User.objects.get(email="gme@demo.imgportal.test")
members = list(Member.objects.filter(status="active").order_by("pk"))
events = Event.objects.bulk_create(
    Event(
        title=f"Bench event {{i}}", kind="social", status="published",
        starts_at=now + timedelta(days=1 + i % 200, hours=i % 7),
        ends_at=now + timedelta(days=1 + i % 200, hours=2 + i % 7),
        place="Faculty Club", created_by=gme, published_at=now, capacity=None,
    )
    for i in range(400 - Event.objects.count())
)
rsvps = []
for event in events:
    for member in rng.sample(members, 25):
        rsvps.append(Rsvp(event=event, member=member, status="yes"))
Rsvp.objects.bulk_create(rsvps, ignore_conflicts=True)
have = set(MentorProfile.objects.values_list("member_id", flat=True))
MentorProfile.objects.bulk_create(
    MentorProfile(member=m, types=["career"], capacity=2)
    for m in [m for m in members if m.pk not in have][: 300 - len(have)]
)

def session(user):
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value

co_lead = User.objects.get(email="colead@demo.imgportal.test")
if not co_lead.authenticator_set.exists():
    give_totp(co_lead)
residents = [
    m.user for m in Member.objects.filter(
        status="active", user__groups__name="Resident"
    ).select_related("user").order_by("pk")[:20]
]
print(json.dumps({{
    "co_lead": session(co_lead),
    "residents": [session(u) for u in residents],
    "event": events[0].pk,
    "static": static("css/portal.css"),
    "events": Event.objects.count(),
    "rsvps": Rsvp.objects.count(),
    "mentors": MentorProfile.objects.count(),
    "members": Member.objects.count(),
}}))
"""


def locust(base: str, path: str, cookies: list[str], *, users, seconds, rsvp=False):
    """One headless locust run; the stats of its "page" (and "rsvp") rows."""
    with tempfile.TemporaryDirectory() as tmp:
        prefix = f"{tmp}/run"
        env = {
            **os.environ,
            "BENCH_PATH": path,
            "BENCH_COOKIES": ",".join(cookies),
            "BENCH_RSVP": "1" if rsvp else "0",
        }
        subprocess.run(
            [
                str(ROOT / ".venv/bin/locust"),
                "-f",
                str(ROOT / "bench/locustfile.py"),
                "--headless",
                "--users",
                str(users),
                "--spawn-rate",
                str(users),
                "--run-time",
                f"{seconds}s",
                "--host",
                base,
                "--csv",
                prefix,
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            env=env,
            check=False,
            capture_output=True,
        )
        with open(f"{prefix}_stats.csv", newline="") as handle:
            return {row["Name"]: row for row in csv.DictReader(handle)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--skip-others", action="store_true")
    options = parser.parse_args()

    started = time.monotonic()
    fresh_database(ENV, DB)
    manage(ENV, "seed_demo", "--force", "--members", str(options.members))
    manage(ENV, "shell", "-c", HANDBOOK_SCRIPT.format(pages=500, revisions=20))
    manage(ENV, "collectstatic", "--noinput")
    extra = manage(ENV, "shell", "-c", EXTRA_SCRIPT.format())
    analyze(DB)
    facts = json.loads(extra.strip().splitlines()[-1])
    seed_seconds = time.monotonic() - started
    residents, co_lead = facts["residents"], [facts["co_lead"]]
    event = f"/events/{facts['event']}/"
    rows = [
        ("baseline: trivial Django view", "/ping", [], False),
        ("baseline: static file (whitenoise)", facts["static"], [], False),
        ("home (resident)", "/", residents, False),
        ("handbook page (visitor)", "/handbook/chapter-3/page-3/", [], False),
        (
            "handbook search (visitor)",
            "/handbook/search/?q=travel+signature",
            [],
            False,
        ),
        ("events list (resident)", "/events/", residents, False),
        ("event detail + RSVP write (residents)", event, residents, True),
        ("member directory (resident)", "/members/", residents, False),
        (
            "member list, filtered (co-lead)",
            "/members/manage/?visa_status=j1&training_stage=pgy2",
            co_lead,
            False,
        ),
    ]
    results = []
    with gunicorn(ENV) as base:
        for label, path, cookies, rsvp in rows:
            stats = locust(
                base,
                path,
                cookies,
                users=options.users,
                seconds=options.seconds,
                rsvp=rsvp,
            )
            results.append((label, stats))
    trivial = float(results[0][1]["page"]["Requests/s"])
    lines = [
        f"## The portal under load ({stamp()})",
        "",
        f"{facts['members']:,} members, 500 handbook pages of 20 revisions (plus the "
        f"starter handbook), {facts['events']:,} events with {facts['rsvps']:,} RSVPs, "
        f"{facts['mentors']} mentors; seeding took {seed_seconds:.0f} s. gunicorn with "
        f"2 sync workers, production settings; locust, {options.users} concurrent "
        f"users, no think time, {options.seconds} s per row, on the same 2-core "
        "machine.",
        "",
        "| Page | requests/s | p50 ms | p95 ms | p99 ms | errors | ratio to trivial |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, stats in results:
        for name in ("page", "rsvp"):
            if name not in stats:
                continue
            row = stats[name]
            rps = float(row["Requests/s"])
            title = label if name == "page" else "  ↳ the RSVP POST itself"
            lines.append(
                f"| {title} | {rps:,.0f} | {row['50%']} | {row['95%']} | {row['99%']} "
                f"| {row['Failure Count']} | {rps / trivial:.2f} |"
            )
    write_report("load", lines)
    if not options.skip_others:
        for script in ("newsletter.py", "matching.py", "worker_kill.py"):
            subprocess.run([sys.executable, str(ROOT / "bench" / script)], check=True)


if __name__ == "__main__":
    main()
