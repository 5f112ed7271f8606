"""Benchmark: handbook search with 500 pages of 20 revisions each.

    .venv/bin/python bench/handbook_search.py [--pages 500] [--revisions 20]
                                              [--requests 100]

Builds its own database (imgportal_bench_handbook, dropped and re-created), writes
the pages and their revisions (text drawn from the starter handbook, so words and
sentences are realistic), publishes the last revision of each, serves the portal
with gunicorn under production settings on a spare loopback port, and times
/handbook/search/ for exact words, form codes and near-misses, and one handbook
page, as a visitor. Goal (issue #6): median under 50 ms. Not run by `make test`.
"""

import argparse
import statistics
import sys
import time
import urllib.parse
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

DB = "imgportal_bench_handbook"
ENV = bench_env(DB)
QUERIES = {
    "two words": "travel signature",
    "one word": "deposit",
    "form code": "DS-2019",
    "phrase, few hits": "administrative processing",
    "near-miss, corrected": "travle signatur",
    "nothing found": "zzqx wibble",
}

SEED_SCRIPT = """
import random
from datetime import timedelta
from django.db import transaction
from django.utils import timezone
from handbook import services
from handbook.demo_content import CHAPTERS
from handbook.models import Chapter, Page, Revision
from members.models import User

PAGES, REVISIONS = {pages}, {revisions}
rng = random.Random(6)
author = User.objects.create_user("bench-editor@example.org")
bodies = [p["body"] for c in CHAPTERS for p in c["pages"]]
paragraphs = [x for b in bodies for x in b.split("\\n\\n") if not x.startswith("#")]
now = timezone.now()
chapters = [
    Chapter.objects.create(slug=f"chapter-{{i}}", title=f"Chapter {{i}}", order=i)
    for i in range(25)
]
with transaction.atomic():
    for n in range(PAGES):
        base = bodies[n % len(bodies)]
        page = Page.objects.create(
            chapter=chapters[n % 25], slug=f"page-{{n}}", title=f"Page {{n}}", order=n
        )
        revisions = []
        for r in range(1, REVISIONS + 1):
            extra = "\\n\\n".join(rng.sample(paragraphs, 3))
            title = base.split("\\n", 1)[0][:60] if r == REVISIONS else f"Page {{n}}"
            revisions.append(Revision(
                page=page, number=r, title=f"{{title}} {{n}}",
                body=f"{{base}}\\n\\n## More\\n\\n{{extra}}",
                summary=f"Edit {{r}}", author=author,
                state="published", published_at=now - timedelta(days=REVISIONS - r),
            ))
        Revision.objects.bulk_create(revisions)
        services.page_show(page=page, revision=revisions[-1], now=now)
print(Page.objects.count(), Revision.objects.count())
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--revisions", type=int, default=20)
    parser.add_argument("--requests", type=int, default=100)
    options = parser.parse_args()

    fresh_database(ENV, DB)
    started = time.monotonic()
    script = SEED_SCRIPT.format(pages=options.pages, revisions=options.revisions)
    counts = manage(ENV, "shell", "-c", script).strip().splitlines()[-1]
    seed_seconds = time.monotonic() - started
    with gunicorn(ENV) as base:
        rows = []
        all_search = []
        for label, query in QUERIES.items():
            url = f"{base}/handbook/search/?q={urllib.parse.quote(query)}"
            timings = time_requests(url, options.requests)
            all_search.extend(timings)
            rows.append(summary(f"search: {label} ({query!r})", timings))
        rows.append(
            summary(
                "a handbook page (20 revisions)",
                time_requests(f"{base}/handbook/chapter-3/page-3/", options.requests),
            )
        )
    pages, revisions = counts.split()
    write_report(
        "handbook_search",
        [
            f"## Handbook search: {int(pages):,} pages, {int(revisions):,} revisions "
            f"({stamp()})",
            "",
            f"gunicorn, 2 workers, production settings; {options.requests} sequential "
            f"requests per row as a visitor; seeding took {seed_seconds:.0f} s.",
            "",
            "| Request | median ms | p95 ms | max ms |",
            "| --- | ---: | ---: | ---: |",
            *(f"| {r[0]} | {r[1]:.1f} | {r[2]:.1f} | {r[3]:.1f} |" for r in rows),
            "",
            f"**All searches: median {statistics.median(all_search):.1f} ms** "
            "(goal: under 50 ms).",
        ],
    )


if __name__ == "__main__":
    main()
