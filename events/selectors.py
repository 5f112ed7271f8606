"""Reads for event pages: each a fixed number of queries, whatever the data size."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from events.models import Attendance, Event, Rsvp
from events.permissions import events_visible_to
from members.models import Member


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
        )
        .select_related("announcement")
        .get(pk=pk)
    )


def my_rsvp(event: Event, member: Member | None) -> Rsvp | None:
    if member is None:
        return None
    return Rsvp.objects.filter(event=event, member=member).first()


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
