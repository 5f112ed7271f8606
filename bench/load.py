"""`make bench`: the portal under load, as each kind of user, with baselines.

    .venv/bin/python bench/load.py [--users 20] [--seconds 20] [--skip-others]

Builds its own database (imgportal_bench_load, dropped and re-created) with a large
realistic data set: 5,000 members (seed_demo), 500 handbook pages of 20 revisions
each, 400 events with 10,000 RSVPs and 300 mentors. Serves the portal with
gunicorn (2 sync workers, production settings) on a spare loopback port and
drives each page with wrk (Debian's package, C, one thread: the load costs
little of the 2 cores; bench/wrk.lua sets the session cookies and makes the RSVP
write) at 20 connections, as a visitor, a signed-in resident (20 different ones),
a co-lead or a site admin. The same run measures four baselines on the same
server: a trivial Django view (/ping), a static file served by whitenoise, the
signed-in trivial view (/ping/me: session, user, profile and permission lookups,
no page work: the floor for every member page) and Django admin's own member
changelist (what a co-lead could use instead of the member list). Prints a
Markdown table and writes it under bench/results/; then runs the newsletter
(5,000 recipients) and matching-round benchmarks and the random-moment worker
kill (bench/worker_kill.py) unless --skip-others. Not run by `make test`.
"""

import argparse
import json
import os
import subprocess
import sys
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
WRK = "/usr/bin/wrk"
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
from django.utils.crypto import get_random_string
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

# The Cookie header of a signed-in browser: its session and a CSRF secret
# (which Django also takes, unmasked, as the form's token).
def session(user):
    client = Client()
    client.force_login(user)
    value = client.cookies[settings.SESSION_COOKIE_NAME].value
    secret = get_random_string(32)
    return (
        f"{{settings.SESSION_COOKIE_NAME}}={{value}}; "
        f"{{settings.CSRF_COOKIE_NAME}}={{secret}}"
    )

co_lead = User.objects.get(email="colead@demo.imgportal.test")
if not co_lead.authenticator_set.exists():
    give_totp(co_lead)
admin = User.objects.filter(is_superuser=True).order_by("pk").first()
if not admin.authenticator_set.exists():
    give_totp(admin)
residents = [
    m.user for m in Member.objects.filter(
        status="active", user__groups__name="Resident"
    ).select_related("user").order_by("pk")[:20]
]
print(json.dumps({{
    "co_lead": session(co_lead),
    "admin": session(admin),
    "residents": [session(u) for u in residents],
    "event": Event.objects.filter(title__startswith="Bench event")
    .order_by("pk").first().pk,
    "static": static("css/portal.css"),
    "events": Event.objects.count(),
    "rsvps": Rsvp.objects.count(),
    "mentors": MentorProfile.objects.count(),
    "members": Member.objects.count(),
}}))
"""


def wrk(base: str, path: str, cookies: list[str], *, connections, seconds, rsvp=False):
    """One wrk run (bench/wrk.lua); its JSON summary line."""
    env = {
        **os.environ,
        "BENCH_PATH": path,
        "BENCH_COOKIES": "|".join(cookies),
        "BENCH_RSVP": "1" if rsvp else "0",
    }
    done = subprocess.run(
        [
            WRK,
            "--threads",
            "1",
            "--connections",
            str(connections),
            "--duration",
            f"{seconds}s",
            "--timeout",
            "10s",
            "--script",
            str(ROOT / "bench/wrk.lua"),
            base,
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    summary["rps"] = summary["requests"] / summary["seconds"]
    return summary


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--skip-others", action="store_true")
    parser.add_argument(
        "--only",
        default="",
        help="only the rows whose label contains this (the trivial view always runs)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the database of the last run (no re-seeding)",
    )
    options = parser.parse_args()

    started = time.monotonic()
    if not options.reuse:
        fresh_database(ENV, DB)
        manage(ENV, "seed_demo", "--force", "--members", str(options.members))
        manage(ENV, "shell", "-c", HANDBOOK_SCRIPT.format(pages=500, revisions=20))
    manage(ENV, "collectstatic", "--noinput")
    extra = manage(ENV, "shell", "-c", EXTRA_SCRIPT.format())
    analyze(DB)
    facts = json.loads(extra.strip().splitlines()[-1])
    seed_seconds = time.monotonic() - started
    residents, co_lead = facts["residents"], [facts["co_lead"]]
    admin = [facts["admin"]]
    event = f"/events/{facts['event']}/"
    rows = [
        ("baseline: trivial Django view", "/ping", [], False),
        ("baseline: static file (whitenoise)", facts["static"], [], False),
        ("baseline: signed-in trivial view (resident)", "/ping/me", residents, False),
        (
            "baseline: Django admin's member changelist (site admin)",
            "/admin/members/member/",
            admin,
            False,
        ),
        ("home (resident)", "/", residents, False),
        ("handbook page (visitor)", "/handbook/chapter-3/page-3/", [], False),
        (
            "handbook search (visitor)",
            "/handbook/search/?q=travel+signature",
            [],
            False,
        ),
        (
            "handbook page (resident)",
            "/handbook/chapter-3/page-3/",
            residents,
            False,
        ),
        (
            "handbook search (resident)",
            "/handbook/search/?q=travel+signature",
            residents,
            False,
        ),
        ("events list (resident)", "/events/", residents, False),
        ("event detail (resident)", event, residents, False),
        ("RSVP write, yes/no (residents)", event, residents, True),
        ("member directory (resident)", "/members/", residents, False),
        ("mentor cards (resident)", "/mentorship/mentors/", residents, False),
        ("status tracker (resident)", "/status/", residents, False),
        ("member list, first page (co-lead)", "/members/manage/", co_lead, False),
        (
            "member list, filtered (co-lead)",
            "/members/manage/?visa_status=j1&training_stage=pgy2",
            co_lead,
            False,
        ),
    ]
    if options.only:
        rows = [rows[0], *[row for row in rows[1:] if options.only in row[0]]]
    results = []
    with gunicorn(ENV) as base:
        for label, path, cookies, rsvp in rows:
            summary = wrk(
                base,
                path,
                cookies,
                connections=options.connections,
                seconds=options.seconds,
                rsvp=rsvp,
            )
            results.append((label, summary))
    trivial = results[0][1]["rps"]
    lines = [
        f"## The portal under load ({stamp()})",
        "",
        f"{facts['members']:,} members, 500 handbook pages of 20 revisions (plus the "
        f"starter handbook), {facts['events']:,} events with {facts['rsvps']:,} RSVPs, "
        f"{facts['mentors']} mentors; seeding took {seed_seconds:.0f} s. gunicorn with "
        f"2 sync workers, production settings; wrk (1 thread), "
        f"{options.connections} connections, {options.seconds} s per row, on the "
        "same 2-core machine.",
        "",
        "| Page | requests/s | p50 ms | p95 ms | p99 ms | errors | ratio to trivial |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, row in results:
        errors = row["socket_errors"] + row["status_errors"]
        lines.append(
            f"| {label} | {row['rps']:,.0f} | {row['p50']} | {row['p95']} "
            f"| {row['p99']} | {errors} | {row['rps'] / trivial:.2f} |"
        )
    write_report("load", lines)
    if not options.skip_others:
        for script in ("newsletter.py", "matching.py", "worker_kill.py"):
            subprocess.run([sys.executable, str(ROOT / "bench" / script)], check=True)


if __name__ == "__main__":
    main()
