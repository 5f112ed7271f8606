"""Yes/no checks about members, each paired with the queryset it implies."""

from django.db.models import QuerySet

from members.models import Member


def can_see_visa(viewer, member: Member) -> bool:
    """Visa status: the member themself, co-leads and GME staff; nobody else."""
    return viewer.is_authenticated and (
        member.user_id == viewer.pk or viewer.has_perm("members.view_visa_status")
    )


def can_manage_members(viewer) -> bool:
    return viewer.is_authenticated and viewer.has_perm("members.manage_members")


def members_manageable_by(viewer) -> QuerySet[Member]:
    """Members a viewer may approve, decline or change: all for co-leads, else none."""
    if can_manage_members(viewer):
        return Member.objects.all()
    return Member.objects.none()
