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

WRK = "/usr/bin/wrk"
SIZES = (5000, 50000)

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
    for i in range(Event.objects.count(), {events})
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


# Each page's SQL queries, counted in one process against the same database
# (the second request of each, as under load: caches warm).
QUERY_SCRIPT = """
import json
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

counts = {{}}
for label, path, cookie in json.loads({rows!r}):
    client = Client(HTTP_HOST="127.0.0.1")
    if cookie:
        client.cookies.load(cookie)
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            status = client.get(path).status_code
    counts[label] = (status, len(queries))
print(json.dumps(counts))
"""


def database_for(members: int) -> str:
    """Each size its own database (the 5,000 one keeps its old name)."""
    return (
        "imgportal_bench_load" if members == 5000 else f"imgportal_bench_load_{members}"
    )


def database_exists(name: str) -> bool:
    listed = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-lqtA", "-F", "|"],
        check=True,
        capture_output=True,
        text=True,
    )
    return name in {line.split("|")[0] for line in listed.stdout.splitlines()}


def seed(members: int, reuse: bool, smaller: int | None) -> tuple[dict, float]:
    """The database for `members` members, seeded unless reused; its facts.

    A larger size starts as a copy of the smaller one (CREATE DATABASE …
    TEMPLATE), so the handbook is written once and the first members are the
    same; seed_demo then adds the rest, and the events grow to 80 per 1,000
    members, 25 RSVPs each."""
    name = database_for(members)
    env = bench_env(name)
    started = time.monotonic()
    if not (reuse and database_exists(name)):
        subprocess.run(["dropdb", "--if-exists", "-h", "127.0.0.1", name], check=True)
        if smaller is not None:
            subprocess.run(
                ["createdb", "-h", "127.0.0.1", "-T", database_for(smaller), name],
                check=True,
            )
            manage(env, "migrate", "--noinput")
        else:
            fresh_database(env, name)
            manage(env, "shell", "-c", HANDBOOK_SCRIPT.format(pages=500, revisions=20))
        manage(env, "seed_demo", "--force", "--members", str(members))
    else:
        manage(env, "migrate", "--noinput")  # the code's indexes on the old data
    extra = manage(env, "shell", "-c", EXTRA_SCRIPT.format(events=members * 4 // 50))
    analyze(name)
    return json.loads(extra.strip().splitlines()[-1]), time.monotonic() - started


def rows_for(facts: dict) -> list[tuple[str, str, list[str], bool]]:
    residents, co_lead = facts["residents"], [facts["co_lead"]]
    admin = [facts["admin"]]
    event = f"/events/{facts['event']}/"
    return [
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
        (
            "member list, deep page (co-lead)",
            "/members/manage/?sort=-joined&page=100",
            co_lead,
            False,
        ),
        ("member list, search (co-lead)", "/members/manage/?q=hassan", co_lead, False),
    ]


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


def measure(members: int, facts: dict, options) -> dict[str, dict]:
    """Every row against one size: wrk's summary plus the page's query count."""
    env = bench_env(database_for(members))
    rows = rows_for(facts)
    if options.only:
        rows = [rows[0], *[row for row in rows[1:] if options.only in row[0]]]
    counted = json.dumps(
        [
            (label, path, (cookies or [""])[0])
            for label, path, cookies, rsvp in rows
            if not rsvp
        ]
    )
    counts = json.loads(
        manage(
            {**env, "ALLOWED_HOSTS": "127.0.0.1,testserver"},
            "shell",
            "-c",
            QUERY_SCRIPT.format(rows=counted),
        )
        .strip()
        .splitlines()[-1]
    )
    # A page that does not answer 200 (a session refused: a redirect to the
    # sign-in page) would be measured as a fast page.
    refused = {label: status for label, (status, _) in counts.items() if status != 200}
    if refused:
        raise SystemExit(f"pages not answering 200 at {members:,}: {refused}")
    queries = {label: count for label, (_, count) in counts.items()}
    results = {}
    with gunicorn(env) as base:
        for label, path, cookies, rsvp in rows:
            summary = wrk(
                base,
                path,
                cookies,
                connections=options.connections,
                seconds=options.seconds,
                rsvp=rsvp,
            )
            summary["queries"] = queries.get(label, "")
            results[label] = summary
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument(
        "--members",
        default=",".join(str(size) for size in SIZES),
        help="the data sizes, comma-separated (each its own database)",
    )
    parser.add_argument("--skip-others", action="store_true")
    parser.add_argument(
        "--only",
        default="",
        help="only the rows whose label contains this (the trivial view always runs)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the databases of the last run (no re-seeding)",
    )
    options = parser.parse_args()
    sizes = sorted(int(size) for size in options.members.split(","))

    facts, seconds, results = {}, {}, {}
    for index, members in enumerate(sizes):
        smaller = sizes[index - 1] if index else None
        facts[members], seconds[members] = seed(members, options.reuse, smaller)
    for members in sizes:
        results[members] = measure(members, facts[members], options)
    lines = [f"## The portal under load ({stamp()})", ""]
    for members in sizes:
        fact = facts[members]
        lines.append(
            f"- **{members:,}**: {fact['members']:,} members, "
            f"{fact['events']:,} events with {fact['rsvps']:,} RSVPs, "
            f"{fact['mentors']} mentors, 500 handbook pages of 20 revisions "
            "(plus the starter handbook); seeding took "
            f"{seconds[members]:.0f} s."
        )
    lines += [
        "",
        f"gunicorn with 2 sync workers, production settings; wrk (1 thread), "
        f"{options.connections} connections, {options.seconds} s per row, on the "
        "same 2-core machine. Ratio: to the trivial view of the same size's run; "
        "queries: the page's SQL queries (second request, caches warm); "
        "cost growth: requests/s at the smallest size over requests/s at the largest.",
        "",
    ]
    header = "| Page |"
    rule = "| --- |"
    for members in sizes:
        size = f"{members // 1000}k"
        header += f" {size} req/s | {size} p99 ms | {size} ratio | {size} queries |"
        rule += " ---: | ---: | ---: | ---: |"
    if len(sizes) > 1:
        header += " cost growth |"
        rule += " ---: |"
    lines += [header, rule]
    trivial = {m: results[m]["baseline: trivial Django view"]["rps"] for m in sizes}
    for label in results[sizes[0]]:
        line = f"| {label} |"
        for members in sizes:
            row = results[members][label]
            errors = row["socket_errors"] + row["status_errors"]
            flag = f" ({errors} errors)" if errors else ""
            line += (
                f" {row['rps']:,.0f}{flag} | {row['p99']} "
                f"| {row['rps'] / trivial[members]:.2f} | {row['queries']} |"
            )
        if len(sizes) > 1:
            first, last = results[sizes[0]][label], results[sizes[-1]][label]
            line += f" {first['rps'] / last['rps']:.2f} |"
        lines.append(line)
    write_report("load", lines)
    if not options.skip_others:
        for script in ("newsletter.py", "matching.py", "worker_kill.py"):
            subprocess.run([sys.executable, str(ROOT / "bench" / script)], check=True)


if __name__ == "__main__":
    main()
