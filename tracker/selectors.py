"""Reads of a member's own tracker. Every function takes the member whose data it
is; views pass only the signed-in member, so nobody else's rows are reachable."""

from datetime import timedelta

from django.db.models import Count
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from handbook.models import Page, VisaTimeline
from members.models import Member, active_q
from tracker import rules
from tracker.models import ChecklistTick, TrackedDocument, TrackerSettings, Trip

J_STATUSES = {"j1", "j2"}


def handbook_links(keys: set[str]) -> dict[str, str]:
    """Addresses of the handbook pages that exist among `keys` ("chapter/page")."""
    links = {}
    for chapter_slug, slug in Page.objects.filter(
        published_revision__isnull=False
    ).values_list("chapter__slug", "slug"):
        key = f"{chapter_slug}/{slug}"
        if key in keys:
            try:
                links[key] = reverse("handbook:page", args=[chapter_slug, slug])
            except NoReverseMatch:
                continue
    return links


def status_page(member: Member, today) -> dict:
    """Everything the member's timeline page shows, in a bounded number of queries."""
    documents = list(TrackedDocument.objects.filter(member=member))
    trips = list(Trip.objects.filter(member=member, returns_on__gte=today))
    docs = {d.kind: d.as_rule() for d in documents if d.kind != rules.Kind.APPOINTMENT}
    is_j = member.visa_status in J_STATUSES
    warnings = rules.warnings(
        docs,
        [t.as_rule() for t in trips],
        program_end=member.expected_completion,
        today=today,
        is_j=is_j,
    )
    year_ahead = today + timedelta(days=365)
    dated = sorted(
        (d for d in documents if d.deadline), key=lambda d: (d.deadline, d.kind)
    )
    countries = {t.country.code for t in trips}
    waits: dict[str, list[VisaTimeline]] = {}
    for row in VisaTimeline.objects.filter(country__in=countries):
        waits.setdefault(row.country.code, []).append(row)
    checklist = None
    if rules.shows_arrival_checklist(member.training_start, today):
        ticked = set(
            ChecklistTick.objects.filter(member=member).values_list("step", flat=True)
        )
        checklist = [
            {"code": code, "label": label, "page": page, "done": code in ticked}
            for code, label, page in rules.ARRIVAL_STEPS
        ]
    keys = {d.info.handbook for d in documents} | {w.handbook for w in warnings}
    keys |= {step["page"] for step in checklist or []}
    return {
        "past": [d for d in dated if d.deadline < today],
        "coming": [d for d in dated if today <= d.deadline <= year_ahead],
        "later": [d for d in dated if d.deadline > year_ahead],
        "undated": [d for d in documents if not d.deadline],
        "warnings": warnings,
        "trips": [
            {
                "trip": t,
                "checks": rules.trip_checks(t.as_rule(), docs, is_j=is_j),
                "waits": waits.get(t.country.code, []),
            }
            for t in trips
        ],
        "checklist": checklist,
        "links": handbook_links(keys),
        "kinds": [rules.KINDS[k] for k in rules.kinds_for(member.visa_status)],
    }


def quarter_bounds(today):
    first_month = 3 * ((today.month - 1) // 3) + 1
    start = today.replace(month=first_month, day=1)
    end_month = first_month + 3
    end = (
        start.replace(year=start.year + 1, month=1)
        if end_month > 12
        else start.replace(month=end_month)
    )
    return start, end - timedelta(days=1)


def opted_in_counts(*, today=None) -> dict:
    """Totals over members who chose to be counted: never names, never dates."""
    today = today or timezone.localdate()
    start, end = quarter_bounds(today)
    counted = TrackedDocument.objects.filter(
        active_q("member__"), member__tracker_settings__share_counts=True
    )
    due = counted.filter(on__gte=start, on__lte=end)
    return {
        "quarter": (start, end),
        "opted_in": TrackerSettings.objects.filter(
            active_q("member__"), share_counts=True
        ).count(),
        "rows": [
            (rules.KINDS[row["kind"]].label, row["members"])
            for row in due.exclude(kind=rules.Kind.TRAVEL_SIGNATURE)
            .values("kind")
            .annotate(members=Count("member", distinct=True))
            .order_by("kind")
        ],
    }


def checklist_counts(*, today=None) -> dict:
    """How many of this year's newcomers finished each arrival step (never whose)."""
    today = today or timezone.localdate()
    candidates = (
        Member.objects.active()
        .filter(
            training_start__gte=today - timedelta(days=31),
            training_start__lte=today + timedelta(days=366),
        )
        .values_list("pk", "training_start")
    )
    newcomers = [
        pk for pk, start in candidates if rules.shows_arrival_checklist(start, today)
    ]
    done = dict(
        ChecklistTick.objects.filter(member_id__in=newcomers)
        .values_list("step")
        .annotate(n=Count("member", distinct=True))
    )
    return {
        "newcomers": len(newcomers),
        "steps": [(label, done.get(code, 0)) for code, label, _ in rules.ARRIVAL_STEPS],
    }


def home_summary(member: Member, today, *, limit: int = 3) -> dict:
    """What the member's home shows of My status: the same warnings as the
    status page, and the next dates due within a year. Two queries."""
    documents = list(TrackedDocument.objects.filter(member=member))
    trips = Trip.objects.filter(member=member, returns_on__gte=today)
    trips = [trip.as_rule() for trip in trips]
    docs = {d.kind: d.as_rule() for d in documents if d.kind != rules.Kind.APPOINTMENT}
    year_ahead = today + timedelta(days=365)
    coming = sorted(
        (d for d in documents if d.deadline and today <= d.deadline <= year_ahead),
        key=lambda d: (d.deadline, d.kind),
    )
    return {
        "tracked": bool(documents),
        "warnings": rules.warnings(
            docs,
            trips,
            program_end=member.expected_completion,
            today=today,
            is_j=member.visa_status in J_STATUSES,
        ),
        "next_dates": coming[:limit],
        "today": today,
    }
