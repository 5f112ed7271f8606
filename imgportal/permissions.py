"""The one place that answers "may this user use this page".

Every member-only view uses `PortalPermissionRequiredMixin` with a permission
codename (declared in a model's `Meta.permissions`, given to role groups by a data
migration). Code never tests group names.
"""

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.shortcuts import redirect

ACCESS_PORTAL = "members.access_portal"


def is_awaiting_approval(user) -> bool:
    """A signed-in person whose join request the co-leads have not approved yet."""
    if not user.is_authenticated or user.has_perm(ACCESS_PORTAL):
        return False
    member = getattr(user, "member", None)
    return member is not None and member.is_pending


class PortalPermissionRequiredMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Anonymous → sign-in page with `next=`; pending → the waiting page; else 403."""

    permission_required = ACCESS_PORTAL

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not self.has_permission():
            if is_awaiting_approval(request.user):
                return redirect("members:pending")
            return self.handle_no_permission()
        return super(PermissionRequiredMixin, self).dispatch(request, *args, **kwargs)
