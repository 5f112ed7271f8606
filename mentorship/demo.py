"""Demo mentoring for `seed_demo`: 60 mentor profiles and 120 open requests from
the demo members (deterministic; only when there are no profiles yet). The demo
mentor account is one of the mentors."""

import random

from members.models import Member, Specialty
from mentorship.models import MentorProfile, MentorshipRequest, MentorType

SEED = "img-portal-mentoring"
GOALS = [
    "Choose between hospitalist work and a fellowship; prepare for applications.",
    "Get used to feedback culture and speaking up on rounds.",
    "Plan a J-1 waiver job search and understand Conrad 30.",
    "Start a QI project that counts for my fellowship application.",
    "Find a research project in my first year.",
    "Balance Step 3 preparation with intern year.",
]
TYPES = [t.value for t in MentorType]


def seed_mentoring(mentors: int = 60, requests: int = 120) -> int:
    if MentorProfile.objects.exists():
        return 0
    rng = random.Random(SEED)  # noqa: S311 — repeatable demo data
    members = list(
        Member.objects.filter(status=Member.Status.ACTIVE)
        .exclude(training_stage="")
        .order_by("pk")
    )
    specialties = list(Specialty.objects.values_list("pk", flat=True))
    senior = [
        m
        for m in members
        if m.training_stage in ("fellow", "faculty", "pgy3", "pgy4", "pgy5")
    ]
    demo_mentor = Member.objects.filter(
        user__email="mentor@demo.imgportal.test"
    ).first()
    chosen = ([demo_mentor] if demo_mentor else []) + [
        m for m in senior if m != demo_mentor
    ]
    chosen = chosen[:mentors]
    for member in chosen:
        types = rng.sample(TYPES, rng.randint(1, 3))
        if member.training_stage in ("fellow", "faculty"):
            types = [t for t in types if t != "near_peer"] or ["career"]
        MentorProfile.objects.create(
            member=member,
            types=types,
            specialty_id=member.specialty_id or rng.choice(specialties),
            interests=rng.choice(
                ["teaching", "QI", "research", "wellness", "global health"]
            ),
            visa_paths=[member.visa_status]
            if member.visa_status in ("j1", "h1b")
            else [],
            # About one mentor in four chooses to show mentees their visa path.
            show_visa_paths=rng.random() < 0.25,
            capacity=rng.randint(1, 4),
            meeting=rng.choice(MentorProfile.Meeting.values),
            bio="Happy to share what I wish I had known in my first year.",
        )
    mentor_ids = {m.pk for m in chosen}
    mentees = [m for m in members if m.pk not in mentor_ids][:requests]
    for member in mentees:
        MentorshipRequest.objects.create(
            mentee=member,
            types=rng.sample(TYPES, rng.randint(1, 2)),
            specialty_id=member.specialty_id,
            goals=rng.choice(GOALS),
            priorities=rng.sample(MentorshipRequest.Priority.values, rng.randint(0, 2)),
            urgency=rng.choice(MentorshipRequest.Urgency.values),
        )
    return len(chosen)
