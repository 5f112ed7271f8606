"""Demo events for `seed_demo`: about 40 over two academic years (the last one and
this one), with RSVPs, attendance, feedback and costs; registration questions
and their answers on the panels and orientations, named guests at the socials,
an approval-only panel with requests waiting, and a monthly coffee hour that
repeats by a rule (issue 20). Deterministic, and only when there are no events
yet (a second run changes nothing)."""

import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from events.models import (
    Answer,
    Attendance,
    Event,
    Feedback,
    Guest,
    Panelist,
    Question,
    ReminderRule,
    Rsvp,
)
from events.registration import PRESETS
from events.series import series_create
from events.services import DEFAULT_REMINDERS
from imgportal.markdown import render_markdown
from members.models import Member, User
from members.rules import academic_year_of

SEED = "img-portal-events"

PANELISTS = [
    ("Dr Ana Ruiz", "PGY-3 Internal Medicine, from Colombia"),
    ("Dr Kofi Mensah", "Cardiology fellow, from Ghana"),
    ("Dr Meera Iyer", "Chief resident, Pediatrics, from India"),
    ("Ms Laura Chen", "GME visa coordinator"),
    ("Dr Omar Haddad", "Attending, Hospital Medicine, from Jordan"),
]
COMMENTS = [
    "Very useful, especially the visa timeline part.",
    "Great to meet other IMGs in my program.",
    "Could we do this earlier in the year?",
    "More time for questions, please.",
    "Loved it. The food was great too.",
    "",
]


PLAN = [
    (7, 10, "social", "IMG happy hour"),
    (7, 24, "workshop", "Workshop: your first paycheck and benefits"),
    (8, 7, "orientation_panel", "Panel: surviving intern year far from home"),
    (8, 28, "social", "IMG happy hour"),
    (9, 12, "social", "IMG happy hour"),
    (10, 9, "workshop", "Workshop: taxes for J-1 and H-1B residents"),
    (10, 24, "social", "IMG happy hour"),
    (11, 13, "orientation_panel", "Panel: applying for fellowship as an IMG"),
    (12, 12, "social", "Winter social"),
    (1, 22, "webinar", "Webinar: J-1 waiver jobs and the Conrad 30 program"),
    (2, 13, "social", "IMG happy hour"),
    (3, 12, "orientation_panel", "Panel: H-1B, green cards and what comes next"),
    (3, 27, "workshop", "Workshop: driving licence, credit and housing"),
    (4, 17, "social", "Spring social"),
    (5, 8, "webinar", "Webinar: renewing your visa abroad"),
    (5, 29, "social", "IMG happy hour"),
    (6, 5, "orientation_panel", "Panel for incoming residents and fellows"),
    (6, 19, "img_orientation", "IMG orientation for incoming PGY-1s"),
    (6, 26, "social", "Welcome social for new IMGs"),
]

# What the front door shows visitors: the events meant for incoming IMGs.
PUBLIC_KINDS = ("orientation_panel", "img_orientation", "webinar")


def _plan(year: int) -> list[dict]:
    """One academic year's events (1 July – 30 June)."""
    return [
        {
            "year": year if month >= 7 else year + 1,
            "month": month,
            "day": day,
            "kind": kind,
            "title": title,
        }
        for month, day, kind, title in PLAN
    ]


def seed_events() -> int:
    if Event.objects.exists():
        return 0
    rng = random.Random(SEED)  # noqa: S311 — repeatable demo data
    creator = User.objects.filter(email="gme@demo.imgportal.test").first()
    if creator is None:
        return 0
    members = list(Member.objects.filter(status=Member.Status.ACTIVE).order_by("pk"))
    tz = timezone.get_current_timezone()
    now = timezone.now()
    this_year = academic_year_of(timezone.localdate())
    specs = _plan(this_year - 1) + _plan(this_year)
    created = 0
    for spec in specs:
        hour = (
            17 if spec["kind"] == "social" else 12 if spec["kind"] == "webinar" else 16
        )
        starts = datetime(spec["year"], spec["month"], spec["day"], hour, 30, tzinfo=tz)
        social = spec["kind"] == "social"
        capacity = {"social": 40, "img_orientation": 60, "webinar": None}.get(
            spec["kind"], 80
        )
        budget = {
            "social": 600,
            "img_orientation": 1500,
            "orientation_panel": 800,
            "workshop": 400,
            "webinar": 0,
        }[spec["kind"]]
        past = starts < now
        description = {
            "social": "Drinks and snacks on GME. Bring your spouse or partner!",
            "img_orientation": (
                "Everything an incoming IMG needs in the first weeks: **SSN**, "
                "bank account, housing, driving licence, and your visa questions "
                "answered by the GME visa coordinator."
            ),
            "webinar": "Online, one hour, questions welcome.",
        }.get(
            spec["kind"],
            "Senior IMGs share what they wish they'd known. Questions welcome.",
        )
        event = Event.objects.create(
            title=spec["title"],
            kind=spec["kind"],
            description=description,
            description_html=render_markdown(description),
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            place=""
            if spec["kind"] == "webinar"
            else rng.choice(
                ["Faculty Club, 2nd floor", "Auditorium A", "Conference room 4B"]
            ),
            online_url="https://meet.example.org/img-group"
            if spec["kind"] == "webinar"
            else "",
            capacity=capacity,
            guests_allowed=1 if social else 0,
            audience={"stages": ["pgy1"]} if spec["kind"] == "img_orientation" else {},
            visibility=Event.Visibility.PUBLIC
            if spec["kind"] in PUBLIC_KINDS
            else Event.Visibility.MEMBERS,
            funding=Event.Funding.GME if budget else Event.Funding.OTHER,
            funding_source="" if budget else "The group's own webinar account",
            budget=Decimal(budget) if budget else None,
            actual_cost=Decimal(int(budget * rng.uniform(0.7, 1.05)))
            if past and budget
            else None,
            status=Event.Status.PUBLISHED,
            sequence=1,
            created_by=creator,
            created_at=starts - timedelta(days=30),
            updated_at=starts - timedelta(days=30),
            published_at=starts - timedelta(days=28),
            feedback_requested_at=starts + timedelta(hours=3) if past else None,
        )
        _default_reminders(event)
        if spec["kind"] in ("orientation_panel", "img_orientation"):
            Panelist.objects.bulk_create(
                Panelist(event=event, name=name, title=title, order=i)
                for i, (name, title) in enumerate(rng.sample(PANELISTS, 3))
            )
        if spec["kind"] in ("orientation_panel", "img_orientation"):
            _questions(event)
        _answers(rng, event, members, past)
        created += 1
    _approval_panel(rng, members, now)
    created += _coffee_hours(creator, now)
    return created


def _default_reminders(event: Event) -> None:
    ReminderRule.objects.bulk_create(
        ReminderRule(event=event, minutes_before=m, subject=s)
        for m, s in DEFAULT_REMINDERS
    )


GUEST_NAMES = ["Maria", "Ahmed", "Lena", "Tomás", "Aisha", "Wei", "Sofia", "Yusuf"]
DIETARY = ["Vegetarian", "Halal", "Vegan", "Gluten-free", "Kosher", "Nut allergy"]


def _questions(event: Event) -> None:
    """The two questions GME asks at panels and orientations."""
    Question.objects.bulk_create(
        Question(event=event, order=i, **PRESETS[preset])
        for i, preset in enumerate(("dietary", "accessibility"))
    )


def _guests_and_answers(rng, event: Event, rsvps: list[Rsvp]) -> None:
    """Named guests (a J-2 spouse, sometimes a child) for RSVPs that bring
    one, and answers to the event's questions from those who said yes."""
    Guest.objects.bulk_create(
        Guest(
            rsvp=rsvp,
            name=f"{rng.choice(GUEST_NAMES)} {rsvp.member.user.last_name}",
            age=Guest.Age.CHILD if rng.random() < 0.2 else Guest.Age.ADULT,
        )
        for rsvp in rsvps
        for _ in range(rsvp.guests)
    )
    questions = {q.label: q for q in event.questions.all()}
    dietary = questions.get(PRESETS["dietary"]["label"])
    access = questions.get(PRESETS["accessibility"]["label"])
    answers = []
    for rsvp in rsvps:
        if rsvp.status != Rsvp.Status.YES:
            continue
        if dietary and rng.random() < 0.5:
            answers.append(
                Answer(rsvp=rsvp, question=dietary, value=[rng.choice(DIETARY)])
            )
        if access and rng.random() < 0.08:
            answers.append(
                Answer(rsvp=rsvp, question=access, value="Step-free access, please.")
            )
    Answer.objects.bulk_create(answers)


def _approval_panel(rng, members: list[Member], now) -> None:
    """This year's panel for incoming residents has limited seats: organisers
    approve each RSVP. Upcoming, some requests wait for a decision."""
    event = (
        Event.objects.filter(kind="orientation_panel", starts_at__gt=now)
        .order_by("-starts_at")
        .first()
    )
    if event is None:
        return
    Event.objects.filter(pk=event.pk).update(requires_approval=True, capacity=30)
    seated = list(event.rsvps.filter(status=Rsvp.Status.YES).order_by("pk"))
    # The last few who said yes are still waiting; past 30 seats, nobody is.
    waiting = seated[max(0, min(len(seated), 30) - 5) :]
    Rsvp.objects.filter(pk__in=[r.pk for r in waiting]).update(
        status=Rsvp.Status.PENDING
    )
    Rsvp.objects.filter(event=event, status=Rsvp.Status.WAITLIST).update(
        status=Rsvp.Status.PENDING, waitlist_position=None
    )


def _coffee_hours(creator: User, now) -> int:
    """A monthly coffee hour on the first Thursday, six dates from next month,
    made the way an organiser makes one: an event, then "Repeat" with a rule."""
    today = timezone.localdate()
    first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    while first.weekday() != 3:  # Thursday
        first += timedelta(days=1)
    starts = datetime(
        first.year,
        first.month,
        first.day,
        7,
        30,
        tzinfo=timezone.get_current_timezone(),
    )
    description = "Coffee and pastries before morning report. Drop in any time."
    event = Event.objects.create(
        title="IMG coffee hour",
        kind="social",
        description=description,
        description_html=render_markdown(description),
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        place="Cafeteria, quiet corner",
        capacity=25,
        funding=Event.Funding.GME,
        budget=Decimal(75),
        status=Event.Status.PUBLISHED,
        sequence=1,
        created_by=creator,
        created_at=now - timedelta(days=3),
        updated_at=now - timedelta(days=3),
        published_at=now - timedelta(days=3),
    )
    _default_reminders(event)
    series = series_create(
        event=event, rule="FREQ=MONTHLY;BYDAY=1TH;COUNT=6", by=creator
    )
    return Event.objects.filter(series=series).count()


def _answers(rng, event: Event, members: list[Member], past: bool) -> None:
    pool = members
    if event.audience.get("stages"):
        pool = [m for m in members if m.training_stage in event.audience["stages"]]
    answered = rng.sample(pool, min(len(pool), rng.randint(20, 60)))
    seats = 0
    rsvps, position = [], 0
    for member in answered:
        as_of = {
            "training_stage": member.training_stage,
            "visa_status": member.visa_status,
        }
        if rng.random() < 0.2:
            rsvps.append(Rsvp(event=event, member=member, status=Rsvp.Status.NO))
            continue
        guests = 1 if event.guests_allowed and rng.random() < 0.25 else 0
        if event.capacity is None or seats + 1 + guests <= event.capacity:
            seats += 1 + guests
            rsvps.append(
                Rsvp(
                    event=event,
                    member=member,
                    status=Rsvp.Status.YES,
                    guests=guests,
                    **as_of,
                )
            )
        elif not past:
            position += 1
            rsvps.append(
                Rsvp(
                    event=event,
                    member=member,
                    status=Rsvp.Status.WAITLIST,
                    guests=guests,
                    waitlist_position=position,
                )
            )
    Rsvp.objects.bulk_create(rsvps)
    _guests_and_answers(rng, event, rsvps)
    if not past:
        return
    came_with = [r for r in rsvps if r.status == Rsvp.Status.YES and rng.random() < 0.8]
    came = [r.member for r in came_with]
    Attendance.objects.bulk_create(
        Attendance(
            event=event,
            member=r.member,
            method=rng.choice(list(Attendance.Method)),
            checked_in_at=event.starts_at + timedelta(minutes=rng.randint(0, 40)),
            guests=r.guests,
            training_stage=r.training_stage,
            visa_status=r.visa_status,
        )
        for r in came_with
    )
    Guest.objects.filter(rsvp__in=[r.pk for r in came_with]).update(
        checked_in_at=event.starts_at + timedelta(minutes=10)
    )
    Feedback.objects.bulk_create(
        Feedback(
            event=event,
            member=member,
            rating=rng.choices([5, 4, 3, 2], [5, 4, 2, 1])[0],
            comment=rng.choice(COMMENTS),
            submitted_at=event.ends_at + timedelta(hours=rng.randint(2, 48)),
        )
        for member in came
        if rng.random() < 0.4
    )
