from django.db.models import Count, QuerySet

from members.models import Member
from members.permissions import members_manageable_by


def member_for_user(user) -> Member | None:
    """The signed-in person's own profile, with what their home page shows."""
    if not user.is_authenticated:
        return None
    return Member.objects.select_related("user", "specialty").filter(user=user).first()


def members_pending(*, viewer) -> QuerySet[Member]:
    """Join requests waiting for a co-lead, oldest first."""
    return (
        members_manageable_by(viewer)
        .filter(status=Member.Status.PENDING, user__is_active=True)
        .select_related("user", "specialty")
        .order_by("joined_at", "pk")
    )


def community_summary() -> dict[str, int]:
    """Numbers every member may see: how many of us, from how many countries."""
    active = Member.objects.filter(status=Member.Status.ACTIVE)
    return active.aggregate(
        members=Count("pk"),
        countries=Count("home_country", distinct=True),
        specialties=Count("specialty", distinct=True),
    )


def member_counts_by_status() -> list[dict]:
    """Member counts per status, in the order the statuses are declared."""
    counts = dict(
        Member.objects.values_list("status").annotate(n=Count("pk")).order_by()
    )
    return [
        {"value": value, "label": label, "count": counts.get(value, 0)}
        for value, label in Member.Status.choices
    ]


def member_counts_by_visa_status() -> list[dict]:
    """Active members per visa status (aggregates only: no names)."""
    counts = dict(
        Member.objects.filter(status=Member.Status.ACTIVE)
        .values_list("visa_status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    rows = [
        {"value": value, "label": label, "count": counts.get(value, 0)}
        for value, label in Member.VisaStatus.choices
    ]
    if counts.get(""):
        rows.append({"value": "", "label": "Not given", "count": counts[""]})
    return rows
