"""The per-user permission set cached in Redis (members/backends.py) and the
cached sessions: fewer queries a page, and a change shows on the next request."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members.models import Member, Role
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

DEAD_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        # Nothing listens on port 1: every cache call fails at once.
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


def _client(client, member):
    client.force_login(member.user)
    return client


def _queries(client, path="/ping/me") -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries.captured_queries)


def test_the_second_request_reads_permissions_from_redis(client, co_lead):
    client = _client(client, co_lead)
    first = _queries(client)
    second = _queries(client)
    # The first request computes (user and group permissions) and stores them;
    # later ones read them, and the session, from Redis.
    assert second < first
    # The session, the user with the member profile, (staff) the TOTP check.
    assert second <= 3


def test_a_revoked_role_stops_working_at_once(client, co_lead):
    client = _client(client, co_lead)
    assert client.get("/members/manage/").status_code == 200
    co_lead.user.groups.remove(Group.objects.get(name=Role.CO_LEAD))
    assert client.get("/members/manage/").status_code == 403


def test_a_role_taken_away_from_the_group_side_stops_at_once(client, co_lead):
    client = _client(client, co_lead)
    assert client.get("/members/manage/").status_code == 200
    Group.objects.get(name=Role.CO_LEAD).user_set.remove(co_lead.user)
    assert client.get("/members/manage/").status_code == 403


def test_a_granted_role_works_at_once(client, reference_data):
    member = MemberFactory()
    client = _client(client, member)
    assert client.get("/members/manage/").status_code == 403
    Group.objects.get(name=Role.GME_STAFF).user_set.add(member.user)
    from tests.factories import give_totp

    give_totp(member.user)
    assert client.get("/members/manage/").status_code == 200


def test_what_a_role_grants_changes_at_once(client, co_lead):
    client = _client(client, co_lead)
    assert client.get("/members/manage/").status_code == 200
    group = Group.objects.get(name=Role.CO_LEAD)
    manage = Permission.objects.get(codename="view_member_list")
    group.permissions.remove(manage)
    assert client.get("/members/manage/").status_code == 403
    group.permissions.add(manage)
    assert client.get("/members/manage/").status_code == 200


def test_a_member_who_stops_being_active_loses_the_roles_at_once(client, co_lead):
    client = _client(client, co_lead)
    assert client.get("/members/manage/").status_code == 200
    Member.objects.filter(pk=co_lead.pk).update(status=Member.Status.ALUMNI)
    assert client.get("/members/manage/").status_code == 403


def test_pages_work_with_redis_down(client, co_lead, settings):
    """No cache to read or write: sessions and permissions come from the
    database, as they did before either was cached."""
    client = _client(client, co_lead)
    assert client.get("/members/manage/").status_code == 200
    settings.CACHES = DEAD_REDIS
    assert client.get("/members/manage/").status_code == 200
    co_lead.user.groups.remove(Group.objects.get(name=Role.CO_LEAD))
    assert client.get("/members/manage/").status_code == 403


def test_a_role_revoked_while_redis_is_down_stays_revoked_when_it_returns(
    client, co_lead, settings
):
    """The revoke cannot reach Redis; the cached set must still never be used
    again: its key holds the account's permissions_version, bumped in the
    database with the revoke."""
    client = _client(client, co_lead)
    assert client.get("/members/manage/").status_code == 200  # cached now
    live = settings.CACHES
    settings.CACHES = DEAD_REDIS
    co_lead.user.groups.remove(Group.objects.get(name=Role.CO_LEAD))
    settings.CACHES = live
    assert client.get("/members/manage/").status_code == 403


def test_saving_an_account_loaded_before_a_revoke_does_not_bring_it_back(
    client, co_lead
):
    """A password change or an admin edit saves the whole user object; one
    loaded before the revoke must not write the old permissions_version back."""
    from members.models import User

    client = _client(client, co_lead)
    assert client.get("/members/manage/").status_code == 200
    stale = User.objects.get(pk=co_lead.user.pk)
    co_lead.user.groups.remove(Group.objects.get(name=Role.CO_LEAD))
    assert client.get("/members/manage/").status_code == 403
    stale.first_name = "Renamed"
    stale.save()
    assert client.get("/members/manage/").status_code == 403
    assert User.objects.get(pk=stale.pk).first_name == "Renamed"


def test_a_deleted_permission_stops_at_once(client, co_lead):
    client = _client(client, co_lead)
    assert client.get("/members/manage/").status_code == 200
    Permission.objects.filter(codename="view_member_list").delete()
    assert client.get("/members/manage/").status_code == 403


def test_grants_changed_by_a_migration_count_after_migrate(client, co_lead):
    """Data migrations work on historical models (no signals): every set is
    computed afresh after migrate."""
    from django.apps import apps

    from members.backends import _migrated

    client = _client(client, co_lead)
    assert client.get("/members/manage/").status_code == 200
    group = Group.objects.get(name=Role.CO_LEAD)
    Group.permissions.through.objects.filter(
        group=group, permission__codename="view_member_list"
    ).delete()  # as a migration would: no m2m signal
    _migrated(sender=None, app_config=apps.get_app_config("members"))
    assert client.get("/members/manage/").status_code == 403
