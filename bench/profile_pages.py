"""Where a page's time goes: cProfile over each page of `make bench`, in one
process, against the database the last `bench/load.py` run left behind.

    .venv/bin/python bench/profile_pages.py [--requests 50] [--top 12] [page ...]

Each page is requested with Django's test client as the same kind of user as
in the load run (production settings, DEBUG off), after 5 warm-up requests.
Prints, per page, the mean time per request, the SQL queries per request and
the functions with the most time of their own (tottime) and overall (cumtime).
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, bench_env, manage, write_report  # run as a script
from load import database_for

PAGES = {
    "signed-in trivial": ("/ping/me", "resident"),
    "home": ("/", "resident"),
    "events": ("/events/", "resident"),
    "event detail": ("/events/{event}/", "resident"),
    "directory": ("/members/", "resident"),
    "member list": ("/members/manage/", "co_lead"),
    "member list filtered": (
        "/members/manage/?visa_status=j1&training_stage=pgy2",
        "co_lead",
    ),
    "member list search": ("/members/manage/?q=hassan", "co_lead"),
    "member list deep": ("/members/manage/?sort=-joined&page=100", "co_lead"),
    "mentor cards": ("/mentorship/mentors/", "resident"),
    "status": ("/status/", "resident"),
    "admin changelist": ("/admin/members/member/", "admin"),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--members", type=int, default=5000, help="which database")
    parser.add_argument("pages", nargs="*")
    options = parser.parse_args()
    env = bench_env(database_for(options.members))
    manage(env, "collectstatic", "--noinput")
    env["ALLOWED_HOSTS"] = "testserver"
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "imgportal.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from events.models import Event
    from members.models import Member, User

    event = Event.objects.filter(title__startswith="Bench event").order_by("pk")[0]

    users = {
        "resident": Member.objects.filter(
            status="active", user__groups__name="Resident"
        )
        .order_by("pk")
        .first()
        .user,
        "co_lead": User.objects.get(email="colead@demo.imgportal.test"),
        "admin": User.objects.filter(is_superuser=True).order_by("pk").first(),
    }
    lines = [f"## Profiles ({options.requests} requests a page, one process)", ""]
    for name in options.pages or PAGES:
        path, who = PAGES[name]
        path = path.format(event=event.pk)
        client = Client()
        client.force_login(users[who])
        for _ in range(5):
            assert client.get(path).status_code == 200, (name, path)
        queries = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            client.get(path)
        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.enable()
        for _ in range(options.requests):
            client.get(path)
        profile.disable()
        elapsed = (time.perf_counter() - started) / options.requests * 1000
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out)
        stats.sort_stats("tottime").print_stats(options.top)
        # The project's own functions and templates, by time including callees.
        stats.sort_stats("cumulative").print_stats(
            rf"^{ROOT}/(?!\.venv)|template/(loader_tags|defaulttags|base)\.py.*render",
            options.top * 2,
        )
        lines += [
            f"### {name}: `{path}` as {who}",
            "",
            f"{elapsed:.1f} ms a request (under the profiler), "
            f"{len(queries)} SQL queries",
            "",
            "```",
            *[line for line in out.getvalue().splitlines() if line.strip()][:80],
            "```",
            "",
        ]
    write_report("profile", lines)


if __name__ == "__main__":
    main()
