"""Reads for event pages: each a fixed number of queries, whatever the data size."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from events.models import (
    Attendance,
    Event,
    Rsvp,
    name_key,
)
from events.permissions import events_visible_to
from members.models import Member
from members.portfolio import SECTIONS, PortfolioEntry


def _with_counts(events: QuerySet[Event], member: Member | None) -> QuerySet[Event]:
    seated = Rsvp.objects.filter(event=OuterRef("pk"), status__in=Rsvp.SEATED)
    events = events.annotate(
        seats_taken=Coalesce(
            Subquery(
                seated.values("event")
                .annotate(total=Sum(F("guests") + 1))
                .values("total")[:1]
            ),
            0,
        )
    )
    if member is not None:
        mine = Rsvp.objects.filter(event=OuterRef("pk"), member=member)
        events = events.annotate(my_status=Subquery(mine.values("status")[:1]))
    return events


def events_for_list(*, viewer, member: Member | None, past: bool) -> QuerySet[Event]:
    """Upcoming (soonest first) or past (latest first) events the viewer may see."""
    now = timezone.now()
    events = events_visible_to(viewer)
    if past:
        events = events.filter(ends_at__lt=now).order_by("-starts_at")
    else:
        events = events.filter(ends_at__gte=now).order_by("starts_at")
    return _with_counts(events, member)


def events_in_month(*, viewer, member: Member | None, start, end) -> QuerySet[Event]:
    events = events_visible_to(viewer).filter(starts_at__gte=start, starts_at__lt=end)
    return _with_counts(events.order_by("starts_at"), member)


def event_for(*, viewer, member: Member | None, pk: int) -> Event:
    """One event with what its page shows (Event.DoesNotExist → 404)."""
    return (
        _with_counts(events_visible_to(viewer), member)
        .prefetch_related(
            "panelists",
            Prefetch("organisers", queryset=Member.objects.select_related("user")),
            "reminders",
            "questions",
        )
        .select_related("announcement", "series")
        .get(pk=pk)
    )


def event_for_visitor(*, viewer, pk: int) -> Event:
    """A public event's page for a visitor who is not signed in: the event and
    its seats taken, nothing about its people (Event.DoesNotExist: sign in)."""
    return _with_counts(events_visible_to(viewer), None).get(pk=pk)


def my_rsvp(event: Event, member: Member | None) -> Rsvp | None:
    if member is None:
        return None
    return (
        Rsvp.objects.filter(event=event, member=member)
        .prefetch_related("answers", "guest_list")
        .first()
    )


def waitlist_place(rsvp: Rsvp) -> int | None:
    if rsvp is None or rsvp.status != Rsvp.Status.WAITLIST:
        return None
    return Rsvp.objects.filter(
        event_id=rsvp.event_id,
        status=Rsvp.Status.WAITLIST,
        waitlist_position__lte=rsvp.waitlist_position,
    ).count()


def checkin_list(event: Event, query: str = "") -> QuerySet[Rsvp]:
    """Who said yes, with whether they came; a name search narrows it."""
    rsvps = (
        event.rsvps.filter(status__in=[Rsvp.Status.YES, Rsvp.Status.OFFERED])
        .select_related("member__user")
        .prefetch_related("guest_list")
        .annotate(
            attended=Exists(
                Attendance.objects.filter(event=event, member=OuterRef("member"))
            ),
            guests_here=Subquery(
                Attendance.objects.filter(
                    event=event, member=OuterRef("member")
                ).values("guests")[:1]
            ),
        )
        .order_by("member__user__last_name", "member__user__first_name")
    )
    for word in query.split():
        rsvps = rsvps.filter(
            Q(member__user__first_name__icontains=word)
            | Q(member__user__last_name__icontains=word)
            | Q(member__preferred_name__icontains=word)
        )
    return rsvps


def people_here(event: Event) -> int:
    """Checked in so far, guests included."""
    return event.attendances.aggregate(n=Coalesce(Sum(F("guests") + 1), 0))["n"]


def walk_ins(event: Event) -> QuerySet[Attendance]:
    """People checked in without a yes (they came anyway)."""
    seated = Rsvp.objects.filter(
        event=event, member=OuterRef("member"), status__in=Rsvp.SEATED
    )
    return (
        event.attendances.exclude(Exists(seated))
        .select_related("member__user")
        .order_by("checked_in_at")
    )


def waitlist(event: Event) -> QuerySet[Rsvp]:
    return (
        event.rsvps.filter(status__in=[Rsvp.Status.WAITLIST, Rsvp.Status.OFFERED])
        .select_related("member__user")
        .order_by(F("waitlist_position").asc(nulls_first=True), "pk")
    )


def my_events(member: Member) -> QuerySet[Event]:
    """What a member's calendar feed lists: events they said yes to."""
    return (
        Event.objects.filter(
            rsvps__member=member,
            rsvps__status=Rsvp.Status.YES,
            status__in=[Event.Status.PUBLISHED, Event.Status.CANCELLED],
            ends_at__gte=timezone.now() - timedelta(days=90),
        )
        .order_by("starts_at")
        .distinct()
    )


def digest_events(since) -> tuple[str, list[str]] | None:
    """The weekly digest's section (registered in hooks.py)."""
    now = timezone.now()
    new = Event.objects.filter(
        status=Event.Status.PUBLISHED, published_at__gte=since, starts_at__gt=now
    ).order_by("starts_at")
    changed = (
        Event.objects.filter(updated_at__gte=since, published_at__lt=since)
        .exclude(status=Event.Status.DRAFT)
        .filter(Q(starts_at__gt=now) | Q(status=Event.Status.CANCELLED))
        .order_by("starts_at")
    )
    lines = [
        f"New: {e.title}, {e.when_text()}: {settings.SITE_URL + e.get_absolute_url()}"
        for e in new
    ] + [
        f"{'Cancelled' if e.status == Event.Status.CANCELLED else 'Changed'}: "
        f"{e.title}, {e.when_text()}: {settings.SITE_URL + e.get_absolute_url()}"
        for e in changed
    ]
    return ("Events", lines) if lines else None


def feedback_summary(event: Event) -> dict:
    rows = event.feedback.aggregate(count=Count("pk"), total=Sum("rating"))
    by_rating = dict(
        event.feedback.values_list("rating").annotate(n=Count("pk")).order_by()
    )
    count = rows["count"]
    return {
        "count": count,
        "average": round(rows["total"] / count, 1) if count else None,
        "by_rating": [(r, by_rating.get(r, 0)) for r in range(5, 0, -1)],
        "comments": list(
            event.feedback.exclude(comment="")
            .order_by("-submitted_at")
            .values_list("rating", "comment")
        ),
    }


def academic_year_bounds(year: int):
    tz = timezone.get_current_timezone()
    start = datetime(year, 7, 1, tzinfo=tz)
    end = datetime(year + 1, 7, 1, tzinfo=tz)
    return start, end


def _per_event(rows, value_field: str) -> dict[int, int]:
    return dict(rows.values_list("event").annotate(n=value_field).order_by())


def _grouped(rows, field: str) -> dict[str, int]:
    """Members per stage (or visa status), plus their guests under "guests"."""
    counts = dict(rows.values_list(field).annotate(n=Count("pk")).order_by())
    counts["guests"] = rows.aggregate(n=Coalesce(Sum("guests"), 0))["n"]
    return counts


def _as_they_said_yes(came: QuerySet[Attendance]) -> QuerySet[Attendance]:
    """Check-ins with the stage and visa status the member had when they said
    yes (their RSVP's record), or at check-in for a walk-in who never did.
    Subqueries: no extra query, however many came."""
    rsvp = Rsvp.objects.filter(event=OuterRef("event"), member=OuterRef("member"))
    return came.annotate(
        **{
            f"{field}_then": Coalesce(
                NullIf(Subquery(rsvp.values(field)[:1]), Value("")), F(field)
            )
            for field in ("training_stage", "visa_status")
        }
    )


def _breakdown(choices, came: dict, going: dict) -> list[tuple[str, int, int]]:
    labelled = [*choices, ("", "Not given"), ("guests", "Guests (not members)")]
    return [
        (label, came.get(value, 0), going.get(value, 0))
        for value, label in labelled
        if came.get(value) or going.get(value)
    ]


def gme_report(*, year: int, now=None) -> dict:
    """What GME's money bought in one academic year, from what was true on the
    day: attendees are grouped by the stage and visa status they had when they
    said yes (or, for a walk-in, when they came), so a rollover changes no
    past figure. Guests count as attendees, and are also shown apart. Past and
    upcoming events are totalled apart (an upcoming event's attendance is
    unknown); money GME didn't give is listed but not in GME's totals; the cost
    per attendee counts only past events with both a recorded cost and recorded
    check-ins, and the report names the events left out. A fixed number of
    queries."""
    now = now or timezone.now()
    start, end = academic_year_bounds(year)
    events = list(
        Event.objects.filter(starts_at__gte=start, starts_at__lt=end)
        .exclude(status=Event.Status.DRAFT)
        .order_by("starts_at")
    )
    ids = [e.pk for e in events]
    said_yes = Rsvp.objects.filter(event__in=ids, status=Rsvp.Status.YES)
    came = Attendance.objects.filter(event__in=ids)
    going_by_event = _per_event(said_yes, Sum(F("guests") + 1))
    came_by_event = _per_event(came, Sum(F("guests") + 1))
    members_by_event = _per_event(came, Count("pk"))
    rows = []
    totals = {
        "events": 0,
        "gme_events": 0,
        "budget": Decimal(0),
        "spent": Decimal(0),
        "past_events": 0,
        "past_going": 0,
        "attended": 0,
        "attended_members": 0,
        "attended_guests": 0,
        "upcoming_events": 0,
        "upcoming_going": 0,
        "other_events": 0,
        "other_spent": Decimal(0),
    }
    money = {
        when: {"events": 0, "budget": Decimal(0), "spent": Decimal(0)}
        for when in ("past", "upcoming")
    }
    uncosted, unchecked = [], []
    costed_spent, costed_attended = Decimal(0), 0
    for event in events:
        going = going_by_event.get(event.pk, 0)
        attended = came_by_event.get(event.pk, 0)
        members = members_by_event.get(event.pk, 0)
        cost = event.actual_cost
        past = event.has_ended(now)
        cancelled = event.status == Event.Status.CANCELLED
        gme = event.funding == Event.Funding.GME
        rows.append(
            {
                "event": event,
                "past": past,
                "gme": gme,
                "going": going,
                "attended": attended if past or attended else None,
                "attended_members": members,
                "attended_guests": attended - members,
                "cost_per_attendee": (cost / attended).quantize(Decimal("0.01"))
                if cost is not None and attended
                else None,
                "over_budget": cost - event.budget
                if cost is not None and event.budget is not None and cost > event.budget
                else None,
            }
        )
        totals["events"] += 1
        if cancelled:
            continue
        if gme:
            totals["gme_events"] += 1
            totals["budget"] += event.budget or 0
            totals["spent"] += cost or 0
            bucket = money["past" if past else "upcoming"]
            bucket["events"] += 1
            bucket["budget"] += event.budget or 0
            bucket["spent"] += cost or 0
            if past and cost is None:
                uncosted.append(event)
            elif past and not attended:
                unchecked.append(event)
            elif past:
                costed_spent += cost
                costed_attended += attended
        else:
            totals["other_events"] += 1
            totals["other_spent"] += cost or 0
        if past:
            totals["past_events"] += 1
            totals["past_going"] += going
            totals["attended"] += attended
            totals["attended_members"] += members
            totals["attended_guests"] += attended - members
        else:
            totals["upcoming_events"] += 1
            totals["upcoming_going"] += going
    totals["cost_per_attendee"] = (
        (costed_spent / costed_attended).quantize(Decimal("0.01"))
        if costed_attended
        else None
    )
    totals["costed_spent"] = costed_spent
    totals["costed_attended"] = costed_attended
    live = ~Q(event__status=Event.Status.CANCELLED)
    came_live = _as_they_said_yes(came.filter(live, event__ends_at__lte=now))
    going_upcoming = said_yes.filter(live, event__ends_at__gt=now)
    return {
        "year": year,
        "label": f"{year}–{str(year + 1)[2:]}",
        "rows": rows,
        "totals": totals,
        "money": money,
        "uncosted": uncosted,
        "unchecked": unchecked,
        "by_stage": _breakdown(
            Member.TrainingStage.choices,
            _grouped(came_live, "training_stage_then"),
            _grouped(going_upcoming, "training_stage"),
        ),
        "by_visa": _breakdown(
            Member.VisaStatus.choices,
            _grouped(came_live, "visa_status_then"),
            _grouped(going_upcoming, "visa_status"),
        ),
    }


def money_bars(report: dict) -> list[dict]:
    """Budget against spend for each GME-funded event that isn't cancelled, and
    for the past and upcoming totals: widths out of 100 on one scale, so bars
    compare across rows. The numbers go beside the bars (the SVG is hidden from
    screen readers)."""
    rows = [
        {
            "label": row["event"].title,
            "event": row["event"],
            "past": row["past"],
            "budget": row["event"].budget,
            "spent": row["event"].actual_cost,
            "over": row["over_budget"],
        }
        for row in report["rows"]
        if row["gme"] and row["event"].status != Event.Status.CANCELLED
    ]
    top = max([r["budget"] or 0 for r in rows] + [r["spent"] or 0 for r in rows] + [0])
    for row in rows:
        row["budget_width"] = bar_width(row["budget"], top)
        row["spent_width"] = bar_width(row["spent"], top)
    return rows


def bar_width(amount, top) -> float:
    return round(float(amount or 0) / float(top) * 100, 1) if top else 0.0


def attendees(event: Event) -> list[Rsvp]:
    """Everyone who answered, with their guests, answers and check-in: the
    organisers' attendee list, CSV and sign-in sheet. Four queries, whatever
    the number of attendees."""
    return list(
        event.rsvps.select_related("member__user")
        .prefetch_related("answers", "guest_list")
        .annotate(
            checked_in_at=Subquery(
                Attendance.objects.filter(
                    event=event, member=OuterRef("member")
                ).values("checked_in_at")[:1]
            ),
            guests_here=Subquery(
                Attendance.objects.filter(
                    event=event, member=OuterRef("member")
                ).values("guests")[:1]
            ),
        )
        .order_by("member__user__last_name", "member__user__first_name", "pk")
    )


ATTENDEE_GROUPS = (
    ("going", "Going"),
    ("pending", "Waiting for approval"),
    ("waitlist", "Waitlist"),
    ("declined", "Not going"),
    ("checked_in", "Checked in"),
)


def attendee_groups(rows: list[Rsvp]) -> dict[str, list[Rsvp]]:
    """The list's tabs: going (seat offers included), waiting for approval,
    waiting for a seat, not going (offers that lapsed and requests declined
    included), and everyone checked in."""
    groups: dict[str, list[Rsvp]] = {key: [] for key, _label in ATTENDEE_GROUPS}
    for rsvp in rows:
        if rsvp.status in Rsvp.SEATED:
            groups["going"].append(rsvp)
        elif rsvp.status == Rsvp.Status.WAITLIST:
            groups["waitlist"].append(rsvp)
        elif rsvp.status == Rsvp.Status.PENDING:
            groups["pending"].append(rsvp)
        else:
            groups["declined"].append(rsvp)
        if rsvp.checked_in_at is not None:
            groups["checked_in"].append(rsvp)
    return groups


def portfolio_entries(member) -> list:
    """The member's events for their leadership portfolio: those they organised
    and those they spoke at (a panelist whose name is theirs, titles and
    degrees aside: `models.name_key`), held or begun,
    not cancelled. Two queries."""
    now = timezone.now()
    held = Event.objects.filter(
        status=Event.Status.PUBLISHED, starts_at__lte=now
    ).order_by("-starts_at")
    entries = [
        PortfolioEntry(
            section=SECTIONS[1],
            role="Organiser",
            title=event.title,
            start=timezone.localtime(event.starts_at).date(),
            one_day=True,
        )
        for event in held.filter(organisers=member)
    ]
    name = member.full_name.strip()
    if name:
        # "Dr. Amal Chief, MD" on the programme is the member Amal Chief.
        key = name_key(Value(name))
        entries += [
            PortfolioEntry(
                section=SECTIONS[2],
                role="Panelist",
                title=event.title,
                start=timezone.localtime(event.starts_at).date(),
                one_day=True,
            )
            for event in held.filter(panelists__name_key=key).distinct()
        ]
    return entries


# --- Home page blocks (imgportal/views.py) -------------------------------------

# RSVPs that put an event on a member's own list: going, waiting, offered, asked.
MINE = (
    Rsvp.Status.YES,
    Rsvp.Status.WAITLIST,
    Rsvp.Status.OFFERED,
    Rsvp.Status.PENDING,
)


def home_my_events(*, viewer, member: Member, limit: int = 4) -> dict:
    """The member's next events: those they answered yes (or wait for) first,
    then the next ones they haven't answered. Two queries."""
    upcoming = events_for_list(viewer=viewer, member=member, past=False).filter(
        status=Event.Status.PUBLISHED
    )
    mine = upcoming.filter(rsvps__member=member, rsvps__status__in=MINE)
    answered = Rsvp.objects.filter(event=OuterRef("pk"), member=member)
    return {
        "mine": list(mine[:limit]),
        "unanswered": list(upcoming.filter(~Exists(answered))[:2]),
    }


def home_upcoming_with_rsvps(*, viewer, limit: int = 5) -> list[Event]:
    """The next events (drafts too, for managers) with their yes, waitlist and
    request counts: one query."""
    return list(
        events_for_list(viewer=viewer, member=None, past=False)
        .exclude(status=Event.Status.CANCELLED)
        .annotate(
            going=Count("rsvps", filter=Q(rsvps__status=Rsvp.Status.YES)),
            waiting=Count("rsvps", filter=Q(rsvps__status=Rsvp.Status.WAITLIST)),
            asking=Count("rsvps", filter=Q(rsvps__status=Rsvp.Status.PENDING)),
        )[:limit]
    )


def gme_spend(*, year: int) -> dict:
    """GME's money in one academic year as `gme_report` totals it (GME-funded,
    neither draft nor cancelled, starting in the year): one query."""
    start, end = academic_year_bounds(year)
    totals = Event.objects.filter(
        starts_at__gte=start,
        starts_at__lt=end,
        status=Event.Status.PUBLISHED,
        funding=Event.Funding.GME,
    ).aggregate(
        events=Count("pk"),
        budget=Coalesce(Sum("budget"), Decimal(0)),
        spent=Coalesce(Sum("actual_cost"), Decimal(0)),
        uncosted=Count("pk", filter=Q(actual_cost__isnull=True)),
    )
    return {"year": year, "label": f"{year}–{str(year + 1)[2:]}", **totals}
