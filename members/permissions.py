"""Yes/no checks about members, each paired with the queryset it implies."""

from django.db.models import QuerySet

from members.models import Member

APPROVED = (Member.Status.ACTIVE, Member.Status.ALUMNI)


def can_see_visa(viewer, member: Member) -> bool:
    """Visa status: the member themself, co-leads and GME staff; nobody else."""
    return viewer.is_authenticated and (
        member.user_id == viewer.pk or viewer.has_perm("members.view_visa_status")
    )


def can_manage_members(viewer) -> bool:
    return viewer.is_authenticated and viewer.has_perm("members.manage_members")


def can_view_member_list(viewer) -> bool:
    return viewer.is_authenticated and viewer.has_perm("members.view_member_list")


def members_visible_to(viewer) -> QuerySet[Member]:
    """Whose page a viewer may open: staff see everyone; members see approved
    members (and themselves); anyone else sees nobody."""
    if not viewer.is_authenticated:
        return Member.objects.none()
    if can_view_member_list(viewer):
        return Member.objects.all()
    if viewer.has_perm("members.access_portal"):
        return Member.objects.filter(status__in=APPROVED) | Member.objects.filter(
            user=viewer
        )
    return Member.objects.filter(user=viewer)


def members_manageable_by(viewer) -> QuerySet[Member]:
    """Members a viewer may approve, decline or change: all for co-leads, else none."""
    if can_manage_members(viewer):
        return Member.objects.all()
    return Member.objects.none()
