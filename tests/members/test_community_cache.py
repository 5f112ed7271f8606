"""The home pages' community summary, cached under the members' data version:
a join approved, a member who leaves, shows on the next request."""

import re

import pytest

from members import services
from members.models import Member
from tests.factories import MemberFactory
from tests.members.test_permission_cache import DEAD_REDIS

pytestmark = pytest.mark.django_db

COUNT = re.compile(r'<div class="stat-number">(\d+)</div><div>members</div>')


def _members_shown(client) -> int:
    page = client.get("/").content.decode()
    return int(COUNT.search(page).group(1))


def test_an_approved_join_counts_on_the_next_request(client, co_lead):
    resident = MemberFactory()
    client.force_login(resident.user)
    before = _members_shown(client)
    assert _members_shown(client) == before  # from the cache now
    pending = MemberFactory(status=Member.Status.PENDING, home_country="BR")
    services.member_approve(member=pending, by=co_lead.user)
    assert _members_shown(client) == before + 1


def test_a_member_who_is_deleted_stops_counting(client):
    resident, other = MemberFactory(), MemberFactory()
    client.force_login(resident.user)
    before = _members_shown(client)
    other.status = Member.Status.INACTIVE
    other.save()
    assert _members_shown(client) == before - 1


def test_the_summary_is_counted_with_redis_down(client, settings):
    resident = MemberFactory()
    client.force_login(resident.user)
    before = _members_shown(client)
    settings.CACHES = DEAD_REDIS
    MemberFactory()
    assert _members_shown(client) == before + 1
