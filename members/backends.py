"""Authentication backends whose role permissions end with the member's activity.

Role groups (Co-lead, GME staff, Handbook editor, Mentor) give their permissions
only while the member is active. An alumnus keeps what the Resident role gives
(read access to the portal); a pending, inactive or anonymised member gets none.
The services also take the staff roles away when a member stops being active
(`members.handoff.staff_roles_end`); this is the rule that holds even where a
group was left behind.
"""

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission

from members.models import Member, Role


class ActiveRolesMixin:
    def _get_group_permissions(self, user_obj):
        permissions = super()._get_group_permissions(user_obj)
        member = getattr(user_obj, "member", None)
        if member is None or member.status == Member.Status.ACTIVE:
            return permissions  # staff accounts without a member record, members
        if member.status == Member.Status.ALUMNI:
            return Permission.objects.filter(
                group__user=user_obj, group__name=Role.RESIDENT
            )
        return Permission.objects.none()


class PortalModelBackend(ActiveRolesMixin, ModelBackend):
    """Django's backend (test clients, `manage.py` commands) with the rule."""


class PortalAuthenticationBackend(ActiveRolesMixin, AuthenticationBackend):
    """allauth's email sign-in with the rule."""
