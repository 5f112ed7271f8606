"""Who may use the portal and see members: the members app's permission
codenames (declared in `Member.Meta.permissions`, written here once), the one
mixin every member-only view uses, and yes/no checks each paired with the
queryset it implies.

Every member-only view uses `PortalPermissionRequiredMixin` with one of the
apps' permission constants. Code never tests group names; which role holds
which permission is listed once, in `imgportal/management/commands/roles.py`
(`manage.py roles`)."""

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.db.models import QuerySet
from django.shortcuts import redirect

from members.models import Member

ACCESS_PORTAL = "members.access_portal"
VIEW_VISA_STATUS = "members.view_visa_status"
MANAGE_MEMBERS = "members.manage_members"
VIEW_MEMBER_LIST = "members.view_member_list"

APPROVED = (Member.Status.ACTIVE, Member.Status.ALUMNI)


def has_member_profile(user) -> bool:
    """Site admins made with `createsuperuser` have an account but no profile."""
    return getattr(user, "member", None) is not None


def is_awaiting_approval(user) -> bool:
    """A signed-in person whose join request the co-leads have not approved yet."""
    if not user.is_authenticated or user.has_perm(ACCESS_PORTAL):
        return False
    member = getattr(user, "member", None)
    return member is not None and member.is_pending


class PortalPermissionRequiredMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Anonymous → sign-in page with `next=`; no profile → the page saying how to
    make one; pending → the waiting page; else 403."""

    permission_required = ACCESS_PORTAL

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not has_member_profile(request.user):
            # Member pages need a profile; a site admin without one is told how
            # to get one instead of reaching code that reads it.
            return redirect("members:no_profile")
        if not self.has_permission():
            if is_awaiting_approval(request.user):
                return redirect("members:pending")
            return self.handle_no_permission()
        return super(PermissionRequiredMixin, self).dispatch(request, *args, **kwargs)


def can_see_visa(viewer, member: Member) -> bool:
    """Visa status: the member themself, co-leads and GME staff; nobody else."""
    return viewer.is_authenticated and (
        member.user_id == viewer.pk or viewer.has_perm(VIEW_VISA_STATUS)
    )


def can_manage_members(viewer) -> bool:
    return viewer.is_authenticated and viewer.has_perm(MANAGE_MEMBERS)


def can_view_member_list(viewer) -> bool:
    return viewer.is_authenticated and viewer.has_perm(VIEW_MEMBER_LIST)


def members_visible_to(viewer) -> QuerySet[Member]:
    """Whose page a viewer may open: staff see everyone; members see approved
    members (and themselves); anyone else sees nobody."""
    if not viewer.is_authenticated:
        return Member.objects.none()
    if can_view_member_list(viewer):
        return Member.objects.all()
    if viewer.has_perm(ACCESS_PORTAL):
        return Member.objects.filter(status__in=APPROVED) | Member.objects.filter(
            user=viewer
        )
    return Member.objects.filter(user=viewer)


def members_manageable_by(viewer) -> QuerySet[Member]:
    """Members a viewer may approve, decline or change: all for co-leads, else none."""
    if can_manage_members(viewer):
        return Member.objects.all()
    return Member.objects.none()
