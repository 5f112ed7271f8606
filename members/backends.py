"""Authentication backends whose role permissions end with the member's activity.

Role groups (Co-lead, GME staff, Handbook editor, Mentor) give their permissions
only while the member is active. An alumnus keeps what the Resident role gives
(read access to the portal); a pending, inactive or anonymised member gets none.
The services also take the staff roles away when a member stops being active
(`members.handoff.staff_roles_end`); this is the rule that holds even where a
group was left behind.
"""

import logging

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db.models import F
from django.db.models.signals import m2m_changed, post_migrate, pre_delete
from django.dispatch import receiver

from members.models import Member, Role, User

logger = logging.getLogger(__name__)

# A user's permission set, cached in Redis between requests (two queries a
# page otherwise). The key holds everything the set depends on, all of it on
# rows the request loads anyway: the account's permissions_version (bumped in
# the database, in the same transaction, when its roles or what a role grants
# change), superuser, and the member's status. Nothing needs Redis to forget:
# a stale entry is simply never asked for again. Redis down: the database
# answers, as without a cache.
PERMS_SECONDS = 3600


def _perms_key(user_obj) -> str:
    member = getattr(user_obj, "member", None)
    status = member.status if member is not None else "-"
    # date_joined: an account made after a restore that reuses a deleted
    # account's id never meets that account's entry.
    joined = int(user_obj.date_joined.timestamp()) if user_obj.date_joined else 0
    return (
        f"perms:{user_obj.pk}:{joined}:{user_obj.permissions_version}:{status}"
        f":{int(user_obj.is_superuser)}"
    )


def permissions_changed(user_pks=None) -> None:
    """These users' roles (None: what roles grant, so everyone's) changed."""
    users = (
        User.objects.all()
        if user_pks is None
        else User.objects.filter(pk__in=list(user_pks))
    )
    users.update(permissions_version=F("permissions_version") + 1)


class CachedPermissionsMixin:
    def get_user(self, user_id):
        # The request's user with its member profile in one query: every
        # member page reads the profile (and the permission key its status).
        try:
            user = User._default_manager.select_related("member").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if hasattr(user_obj, "_perm_cache"):
            return user_obj._perm_cache
        key = _perms_key(user_obj)
        try:
            cached = cache.get(key)
            reachable = True
        except Exception:  # noqa: BLE001 — Redis down: ask the database
            cached, reachable = None, False
        if cached is not None:
            user_obj._perm_cache = set(cached)
            return user_obj._perm_cache
        permissions = super().get_all_permissions(user_obj, obj)
        if reachable:
            try:
                cache.set(key, sorted(permissions), PERMS_SECONDS)
            except Exception:
                logger.warning("permission cache not written", exc_info=True)
        return permissions


@receiver(m2m_changed, sender=User.groups.through)
def _roles_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if pk_set is not None and not pk_set:
        return  # set() to what was there already: nothing changed
    if reverse and action == "pre_clear":  # group.user_set.clear()
        permissions_changed(instance.user_set.values_list("pk", flat=True))
    elif action in ("post_add", "post_remove"):
        permissions_changed(pk_set if reverse else [instance.pk])
    elif action == "post_clear" and not reverse:
        permissions_changed([instance.pk])


@receiver(m2m_changed, sender=User.user_permissions.through)
def _own_permissions_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action.startswith("post_") and (pk_set is None or pk_set):
        permissions_changed(None if reverse else [instance.pk])


@receiver(m2m_changed, sender=Group.permissions.through)
def _grants_changed(sender, action, pk_set=None, **kwargs):
    if action.startswith("post_") and (pk_set is None or pk_set):
        permissions_changed()


@receiver(pre_delete, sender=Group)
def _role_deleted(sender, instance, **kwargs):
    permissions_changed(instance.user_set.values_list("pk", flat=True))


@receiver(pre_delete, sender=Permission)
@receiver(pre_delete, sender=ContentType)
def _permission_deleted(sender, **kwargs):
    # Their grants go by cascade, which sends no m2m signal.
    permissions_changed()


def _migrated(sender, app_config=None, **kwargs):
    # Data migrations grant and take permissions through historical models
    # (no signals), and a deploy may change the rules: everyone's set is
    # computed afresh after every migrate (the last app's post_migrate).
    if app_config is not None and app_config.label == "members":
        try:
            permissions_changed()
        except Exception:
            logger.warning("permissions not bumped after migrate", exc_info=True)


post_migrate.connect(_migrated, dispatch_uid="members-permissions-migrated")


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


class PortalModelBackend(CachedPermissionsMixin, ActiveRolesMixin, ModelBackend):
    """Django's backend (test clients, `manage.py` commands) with the rule."""


class PortalAuthenticationBackend(
    CachedPermissionsMixin, ActiveRolesMixin, AuthenticationBackend
):
    """allauth's email sign-in with the rule."""
