from django.core.cache import cache
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from imgportal.versions import version_of
from members.models import AuditEntry, CoLeadTerm, DeletionRequest, Member
from members.permissions import (
    ACCESS_PORTAL,
    APPROVED,
    MANAGE_MEMBERS,
    VIEW_MEMBER_LIST,
    members_manageable_by,
    members_visible_to,
)

MEMBER_RELATED = ("user", "specialty", "program")


def member_for_user(user) -> Member | None:
    """The signed-in person's own profile, with what their pages show."""
    if not user.is_authenticated:
        return None
    return Member.objects.select_related(*MEMBER_RELATED).filter(user=user).first()


def member_detail_for(*, viewer, pk: int) -> Member:
    """One member a viewer may see (else Member.DoesNotExist → 404)."""
    return (
        members_visible_to(viewer)
        .select_related(*MEMBER_RELATED)
        .prefetch_related("leadership_roles")
        .get(pk=pk)
    )


def directory_for(viewer) -> QuerySet[Member]:
    """Approved members, as the directory lists them."""
    if not viewer.has_perm(ACCESS_PORTAL):
        return Member.objects.none()
    return (
        Member.objects.filter(status__in=APPROVED, user__is_active=True)
        .select_related(*MEMBER_RELATED)
        .order_by("user__last_name", "user__first_name", "pk")
    )


def member_list_for(viewer) -> QuerySet[Member]:
    """Every member, for co-leads and GME staff (else nobody)."""
    if not viewer.has_perm(VIEW_MEMBER_LIST):
        return Member.objects.none()
    return Member.objects.select_related(*MEMBER_RELATED).order_by(
        "user__last_name", "user__first_name", "pk"
    )


def members_pending(*, viewer) -> QuerySet[Member]:
    """Join requests waiting for a co-lead, oldest first."""
    return (
        members_manageable_by(viewer)
        .filter(status=Member.Status.PENDING, user__is_active=True)
        .select_related(*MEMBER_RELATED)
        .order_by("joined_at", "pk")
    )


def audit_entries_for(*, viewer, member: Member) -> QuerySet[AuditEntry]:
    if not viewer.has_perm(MANAGE_MEMBERS):
        return AuditEntry.objects.none()
    return member.audit_entries.select_related("actor").order_by("-at", "-pk")


def deletion_requests_pending(*, viewer) -> QuerySet[DeletionRequest]:
    if not viewer.has_perm(MANAGE_MEMBERS):
        return DeletionRequest.objects.none()
    return DeletionRequest.objects.filter(
        status=DeletionRequest.Status.PENDING
    ).select_related("member__user")


def co_lead_history() -> QuerySet[CoLeadTerm]:
    """Every co-lead term, newest first (the About page)."""
    return CoLeadTerm.objects.select_related("member__user").order_by("-start", "pk")


MEMBERS_VERSION = "members"
# Bulk updates (the year's rollover) send no signal: at most this stale.
COMMUNITY_SECONDS = 300


def community_summary() -> dict[str, int]:
    """Numbers every member may see: how many of us, from how many countries.
    Three COUNTs over every active member on each home page: cached in Redis
    under the members' data version (bumped by every Member save or delete)."""
    try:
        key = f"community-summary:{version_of(MEMBERS_VERSION)}"
        cached = cache.get(key)
    except Exception:  # noqa: BLE001 — Redis down: count
        return _community_summary()
    if cached is None:
        cached = _community_summary()
        try:
            cache.set(key, cached, COMMUNITY_SECONDS)
        except Exception:  # noqa: BLE001, S110 — counted again next time
            pass
    return cached


def _community_summary() -> dict[str, int]:
    active = Member.objects.active()
    return active.aggregate(
        members=Count("pk"),
        countries=Count("home_country", distinct=True),
        specialties=Count("specialty", distinct=True),
    )


def _counts(queryset, field: str, choices) -> list[dict]:
    counts = dict(queryset.values_list(field).annotate(n=Count("pk")).order_by())
    rows = [
        {"value": value, "label": label, "count": counts.get(value, 0)}
        for value, label in choices
    ]
    if counts.get(""):
        rows.append({"value": "", "label": "Not given", "count": counts[""]})
    return rows


def member_counts_by_status() -> list[dict]:
    """Member counts per status, in the order the statuses are declared."""
    return _counts(Member.objects.all(), "status", Member.Status.choices)


def member_counts_by_visa_status() -> list[dict]:
    """Active members per visa status (aggregates only: no names)."""
    active = Member.objects.active()
    return _counts(active, "visa_status", Member.VisaStatus.choices)


def member_counts_by_stage() -> list[dict]:
    active = Member.objects.active()
    return _counts(active, "training_stage", Member.TrainingStage.choices)


def member_counts_by_specialty(limit: int = 15) -> list[dict]:
    rows = (
        Member.objects.active()
        .filter(specialty__isnull=False)
        .values("specialty__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "specialty__name")[:limit]
    )
    return [{"label": r["specialty__name"], "count": r["n"]} for r in rows]


def joins_per_month(months: int = 24) -> list[dict]:
    """Join requests per calendar month, oldest first, empty months included."""
    today = timezone.localdate()
    first = today.replace(day=1)
    starts = []
    year, month = first.year, first.month
    for _ in range(months):
        starts.append((year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    starts.reverse()
    since = timezone.make_aware(timezone.datetime(starts[0][0], starts[0][1], 1))
    counts = {
        (row["month"].year, row["month"].month): row["n"]
        for row in Member.objects.filter(joined_at__gte=since)
        .annotate(month=TruncMonth("joined_at"))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by()
    }
    return [
        {"label": f"{y}-{m:02d}", "count": counts.get((y, m), 0)} for y, m in starts
    ]


def _labels(choices, values) -> list[str]:
    names = dict(choices)
    return [str(names.get(v, v)) for v in values]


def segment_label(segment: dict) -> str:
    """An audience in words, as a person reads it: "J-1, H-1B members in PGY-1,
    Internal Medicine, from India"."""
    if not segment:
        return "All active members"
    from django_countries import countries

    from members.models import Program, Role, Specialty

    visas = _labels(Member.VisaStatus.choices, segment.get("visa_statuses", []))
    who = f"{', '.join(visas)} members" if visas else "Members"
    if segment.get("incoming"):
        who = f"Incoming PGY-1 {who.lower()}"
    parts = [who]
    if stages := segment.get("stages"):
        parts.append("in " + ", ".join(_labels(Member.TrainingStage.choices, stages)))
    if ids := segment.get("specialties"):
        names = Specialty.objects.filter(pk__in=ids).order_by("name")
        parts.append(", ".join(s.name for s in names))
    if ids := segment.get("programs"):
        names = Program.objects.filter(pk__in=ids).order_by("name")
        parts.append("in " + ", ".join(p.name for p in names))
    if codes := segment.get("home_countries"):
        parts.append("from " + ", ".join(str(countries.name(c)) for c in codes))
    if roles := segment.get("roles"):
        parts.append("who are " + ", ".join(_labels(Role.choices, roles)).lower())
    return ", ".join(parts)


def digest_new_members(since) -> tuple[str, list[str]] | None:
    """The weekly digest's welcome line (registered in hooks.py)."""
    count = Member.objects.active().filter(approved_at__gte=since).count()
    if not count:
        return None
    return ("New members", [f"{count} new member(s) joined the group. Say hello!"])


def imports_in_progress(*, viewer) -> list:
    """Roster imports still being checked, waiting for a co-lead to confirm, or
    being written, newest first (co-leads only). One query."""
    from members.models import ImportJob

    if not viewer.has_perm(MANAGE_MEMBERS):
        return []
    unfinished = (
        ImportJob.Status.PREVIEWING,
        ImportJob.Status.PREVIEWED,
        ImportJob.Status.IMPORTING,
    )
    return list(
        ImportJob.objects.filter(status__in=unfinished)
        .defer("content")
        .order_by("-created_at")[:5]
    )


CO_LEAD_TERMS_ENDING_DAYS = 90


def co_lead_seats(*, viewer, today) -> dict:
    """Co-lead seats filled against the group's number, the terms in force
    ending within 90 days and the invitations waiting for an answer (co-leads
    only). Two queries."""
    from datetime import timedelta

    from django.conf import settings

    from members.models import CoLeadInvitation

    if not viewer.has_perm(MANAGE_MEMBERS):
        return {}
    current = list(
        CoLeadTerm.objects.filter(start__lte=today, member__in=Member.objects.active())
        .exclude(end__lt=today)
        .select_related("member__user")
        .order_by("end", "start", "pk")
    )
    horizon = today + timedelta(days=CO_LEAD_TERMS_ENDING_DAYS)
    return {
        "seats": settings.CO_LEAD_SEATS,
        "filled": len(current),
        "ending": [t for t in current if t.end is not None and t.end <= horizon],
        "invitations": list(
            CoLeadInvitation.objects.filter(status=CoLeadInvitation.Status.PENDING)
            .select_related("invitee__user")
            .order_by("handover_on", "pk")[:5]
        ),
    }
