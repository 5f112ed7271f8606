"""Reads for the leadership board: what a member may see, filtered; the
member's own shortlist; totals (never names) for those who post openings."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from leadership.models import Opening, OpeningRole, ShortlistEntry
from members.models import Member
from members.models.member import active_q

DEADLINE_WINDOWS = {"week": 7, "month": 31, "quarter": 92}


def current_holders() -> Prefetch:
    """Who holds the role now, among those who show their roles in the
    directory (an opt-in), for the board's "ask them" line."""
    today = timezone.localdate()
    return Prefetch(
        "holders",
        queryset=OpeningRole.objects.filter(
            active_q("role__member__"),
            Q(role__end__isnull=True) | Q(role__end__gte=today),
            role__start__lte=today,
            role__member__directory_fields__contains=["leadership"],
            role__member__anonymised_at__isnull=True,
        ).select_related("role__member__user"),
        to_attr="current_holders",
    )


def _openings_shown() -> QuerySet[Opening]:
    """An opening as the board and its page show it: program, specialties
    and the holders who show their roles."""
    return Opening.objects.select_related("program").prefetch_related(
        "specialties", current_holders()
    )


def openings_for(member: Member | None, params=None, *, poster: bool = False):
    """The board: open openings whose deadline hasn't passed, unless asked for
    all; filtered by kind, program (or institution-wide), PGY and deadline.
    Each carries `saved` (the viewer's own) and, for posters, `saved_count`."""
    params = params or {}
    today = timezone.localdate()
    openings = _openings_shown()
    if params.get("show") == "all":
        openings = openings.filter(
            status__in=[Opening.Status.OPEN, Opening.Status.CLOSED]
        )
    else:
        openings = openings.filter(status=Opening.Status.OPEN).filter(
            Q(deadline__isnull=True) | Q(deadline__gte=today)
        )
    if kind := params.get("kind"):
        openings = openings.filter(kind=kind)
    program = params.get("program")
    if program == "institution":
        openings = openings.filter(program__isnull=True)
    elif program:
        openings = openings.filter(Q(program_id=program) | Q(program__isnull=True))
    if pgy := params.get("pgy"):
        openings = openings.filter(
            Q(pgy_min__isnull=True) | Q(pgy_min__lte=pgy),
            Q(pgy_max__isnull=True) | Q(pgy_max__gte=pgy),
        )
    if days := DEADLINE_WINDOWS.get(params.get("deadline", "")):
        openings = openings.filter(
            deadline__gte=today, deadline__lte=today + timedelta(days=days)
        )
    if member is not None:
        openings = openings.annotate(
            saved=Exists(
                ShortlistEntry.objects.filter(member=member, opening=OuterRef("pk"))
            )
        )
    if poster:
        openings = openings.annotate(saved_count=Count("shortlisted", distinct=True))
    return openings


def opening_for(member: Member | None, pk: int, *, poster: bool = False) -> Opening:
    """One opening: open or closed ones for every member; suggestions and
    declined ones only for those who post (else DoesNotExist → 404)."""
    openings = _openings_shown()
    if not poster:
        openings = openings.filter(
            status__in=[Opening.Status.OPEN, Opening.Status.CLOSED]
        )
    else:
        openings = openings.annotate(saved_count=Count("shortlisted", distinct=True))
    return openings.get(pk=pk)


def suggestions() -> QuerySet[Opening]:
    """Members' suggestions waiting for a co-lead, oldest first."""
    return (
        Opening.objects.filter(status=Opening.Status.SUGGESTED)
        .select_related("program", "posted_by")
        .prefetch_related("specialties")
        .order_by("created_at", "pk")
    )


def shortlist_for(member: Member) -> list[ShortlistEntry]:
    """The member's own saved openings, soonest deadline first."""
    return list(
        ShortlistEntry.objects.filter(member=member)
        .select_related("opening__program")
        .prefetch_related("opening__specialties")
        .order_by("opening__deadline", "created_at", "pk")
    )


def _closing_soon(member_id: int, days: int) -> QuerySet[ShortlistEntry]:
    today = timezone.localdate()
    return ShortlistEntry.objects.filter(
        member_id=member_id,
        opening__status=Opening.Status.OPEN,
        opening__deadline__gte=today,
        opening__deadline__lte=today + timedelta(days=days),
    )


def closing_soon(member: Member, days: int = 7) -> list[ShortlistEntry]:
    """Saved openings that close within `days`: the home page's reminder."""
    return list(
        _closing_soon(member.pk, days)
        .select_related("opening")
        .order_by("opening__deadline")
    )


def closing_soon_count(member_id: int, days: int = 7) -> int:
    """How many of them: the navigation bar's badge (one query)."""
    return _closing_soon(member_id, days).count()


def digest_openings(since) -> tuple[str, list[str]] | None:
    """The weekly digest's section: openings posted this week, still open."""
    today = timezone.localdate()
    new = (
        Opening.objects.filter(status=Opening.Status.OPEN, published_at__gte=since)
        .filter(Q(deadline__isnull=True) | Q(deadline__gte=today))
        .order_by("deadline", "title")
    )
    lines = [
        f"New: {o.title}"
        + (f", apply by {o.deadline:%-d %B}" if o.deadline else "")
        + f": {settings.SITE_URL}{o.get_absolute_url()}"
        for o in new
    ]
    return ("Leadership openings", lines) if lines else None


def digest_mine(member: Member, since) -> tuple[str, list[str]] | None:
    """The member's own part of the digest: saved openings closing this week."""
    lines = [
        f"Closes {entry.opening.deadline:%a %-d %b}: {entry.opening.title}: "
        f"{settings.SITE_URL}{entry.opening.get_absolute_url()}"
        for entry in closing_soon(member)
    ]
    return ("Your shortlist: closing this week", lines) if lines else None
