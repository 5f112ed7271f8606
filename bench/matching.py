"""Benchmark: a mentor matching round with 1,000 open requests and 300 mentors.

    .venv/bin/python bench/matching.py [--requests 1000] [--mentors 300] [--runs 3]

Builds its own database (imgportal_bench_matching, dropped and re-created), writes
members, mentor profiles (1–3 kinds each, capacity 1–4) and requests (1–2 kinds
each) with realistic spreads of specialty, country, language, visa status and
PGY year, then times `round_run` as a co-lead runs it (loading, scoring, the
optimal assignment and saving the proposals). Goal (issue #8): under 5 seconds.
Not run by `make test`.
"""

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # run as a script: bench/ is on the path
    bench_env,
    fresh_database,
    manage,
    stamp,
    write_report,
)

DB = "imgportal_bench_matching"
ENV = bench_env(DB)

SCRIPT = """
import json, random, time
from members.models import Member, Specialty, User
from mentorship import services
from mentorship.models import MentorProfile, MentorshipRequest, MentorType

REQUESTS, MENTORS, RUNS = {requests}, {mentors}, {runs}
rng = random.Random(8)
types = [t.value for t in MentorType]
specialties = list(Specialty.objects.values_list("pk", flat=True))
countries = ["IN", "PK", "NG", "EG", "PH", "BR", "CO", "JO", "BD", "NP"]
languages = ["hi", "ur", "ar", "es", "pt", "tl", "bn", "fr", "yo", "ne"]
visas = ["j1"] * 6 + ["h1b"] * 2 + ["permanent_resident", "us_citizen_img"]
stages = ["pgy1", "pgy2", "pgy3", "pgy4", "pgy5", "fellow", "faculty"]
users = User.objects.bulk_create(
    User(email=f"bench{{i}}@example.org") for i in range(REQUESTS + MENTORS)
)
members = Member.objects.bulk_create(
    Member(
        user=u, status="active", visa_status=rng.choice(visas),
        training_stage=rng.choice(stages), specialty_id=rng.choice(specialties),
        home_country=rng.choice(countries), languages=["en", rng.choice(languages)],
    )
    for u in users
)
MentorProfile.objects.bulk_create(
    MentorProfile(
        member=m, types=rng.sample(types, rng.randint(1, 3)),
        specialty_id=m.specialty_id, visa_paths=[m.visa_status],
        capacity=rng.randint(1, 4),
    )
    for m in members[:MENTORS]
)
MentorshipRequest.objects.bulk_create(
    MentorshipRequest(
        mentee=m, types=rng.sample(types, rng.randint(1, 2)),
        specialty_id=m.specialty_id, goals="x",
        priorities=rng.sample([p.value for p in MentorshipRequest.Priority], 1),
    )
    for m in members[MENTORS:]
)
co_lead = User.objects.create_user("bench-colead@example.org")
timings = []
for _ in range(RUNS):
    start = time.perf_counter()
    r = services.round_run(by=co_lead)
    whole = time.perf_counter() - start
    timings.append((whole, r.seconds, r.proposals.count(), r.total_score))
slots = sum(len(t) for t in MentorshipRequest.objects.values_list("types", flat=True))
seats = sum(MentorProfile.objects.values_list("capacity", flat=True))
print(json.dumps({{"timings": timings, "slots": slots, "seats": seats}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--mentors", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    fresh_database(ENV, DB)
    script = SCRIPT.format(
        requests=options.requests, mentors=options.mentors, runs=options.runs
    )
    result = json.loads(manage(ENV, "shell", "-c", script).strip().splitlines()[-1])
    rows = result["timings"]
    median = statistics.median(t[0] for t in rows)
    write_report(
        "matching",
        [
            f"## Matching round: {options.requests:,} requests, {options.mentors} "
            f"mentors ({stamp()})",
            "",
            f"{result['slots']:,} (request, kind) slots to fill, {result['seats']:,} "
            "mentor seats; `round_run` against PostgreSQL, as a co-lead runs it.",
            "",
            "| run | whole round s | scoring + assignment s | pairs proposed "
            "| total score |",
            "| ---: | ---: | ---: | ---: | ---: |",
            *(
                f"| {i} | {t[0]:.2f} | {t[1]:.2f} | {t[2]:,} | {t[3]:,} |"
                for i, t in enumerate(rows, start=1)
            ),
            "",
            f"**Median {median:.2f} s** for the whole round (goal: under 5 s).",
        ],
    )


if __name__ == "__main__":
    main()
