"""Each role's home page and navigation, and bounded queries whatever the size."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.models import Member
from tests.conftest import client_for
from tests.factories import MemberFactory, bulk_members

pytestmark = pytest.mark.django_db


def nav_items(page: str) -> set[str]:
    return set(re.findall(r'data-nav="([\w-]+)"', page))


# The Account menu's links, for everyone signed in (issue 22 moved them there).
ACCOUNT_ITEMS = {"email-addresses", "password", "two-factor", "sessions"}


def test_anonymous_navigation_offers_sign_in_and_join(client):
    page = client.get(reverse("account_login")).content.decode()
    assert nav_items(page) == {"events", "handbook", "sign-in", "sign-up"}


def test_pending_navigation_shows_only_the_waiting_page_and_account(pending_member):
    page = client_for(pending_member).get(reverse("members:pending")).content.decode()
    assert (
        nav_items(page)
        == {
            "pending",
            "events",
            "handbook",
            "account",
            "sign-out",
        }
        | ACCOUNT_ITEMS
    )


@pytest.mark.parametrize("role", ["resident", "mentor", "gme_staff"])
def test_member_navigation_matches_the_role(role, request):
    member = request.getfixturevalue(role)
    page = client_for(member).get(reverse("home")).content.decode()
    expected = {
        "home",
        "directory",
        "profile",
        "status",
        "events",
        "handbook",
        "mentoring",
        "leadership",
        "contacts",
        "newsletters",
        "about",
        "account",
        "sign-out",
        "more",
        "email-choices",
    } | ACCOUNT_ITEMS
    if role == "gme_staff":
        # GME staff who are not members aren't offered My status (issue 22).
        expected -= {"status"}
        expected |= {
            "manage",
            "member-list",
            "dashboard",
            "send-newsletters",
            "new-event",
            "events-report",
            "opening-suggestions",
            "status-totals",
        }
    assert nav_items(page) == expected


def test_co_lead_navigation_adds_the_manage_menu(co_lead):
    page = client_for(co_lead).get(reverse("home")).content.decode()
    assert (
        nav_items(page)
        == {
            "home",
            "directory",
            "profile",
            "status",
            "events",
            "handbook",
            "mentoring",
            "leadership",
            "contacts",
            "newsletters",
            "about",
            "manage",
            "member-list",
            "dashboard",
            "send-newsletters",
            "new-event",
            "events-report",
            "matching",
            "mentoring-overview",
            "opening-suggestions",
            "status-totals",
            "handbook-reviews",
            "handbook-editors",
            "join-requests",
            "import",
            "rollover",
            "handoff",
            "deletion-requests",
            "account",
            "sign-out",
            "more",
            "email-choices",
        }
        | ACCOUNT_ITEMS
    )


def test_superuser_navigation_adds_site_admin(co_lead):
    co_lead.user.is_superuser = True
    co_lead.user.is_staff = True
    co_lead.user.save()
    page = client_for(co_lead).get(reverse("home")).content.decode()
    assert "admin" in nav_items(page)


def test_resident_home_shows_their_own_profile_and_visa_status(resident):
    page = client_for(resident).get(reverse("home")).content.decode()
    assert f"Welcome, {resident.display_name}" in page
    assert 'data-testid="own-visa-status">J-1<' in page
    assert "Internal Medicine" in page
    assert "Join requests" not in page


def test_resident_home_shows_no_other_members_visa_status(resident):
    MemberFactory(visa_status=Member.VisaStatus.O1, user__first_name="Canary")
    page = client_for(resident).get(reverse("home")).content.decode()
    assert "O-1" not in page
    assert "Canary" not in page


def test_gme_staff_home_shows_counts_by_status_and_visa(gme_staff, pending_member):
    MemberFactory(visa_status=Member.VisaStatus.H1B)
    page = client_for(gme_staff).get(reverse("home")).content.decode()
    assert "GME staff home" in page
    assert re.search(r'data-status="pending">1<', page)
    assert "H-1B" in page
    assert pending_member.user.email not in page  # counts, not names


def test_co_lead_home_lists_join_requests(co_lead, pending_member):
    page = client_for(co_lead).get(reverse("home")).content.decode()
    assert "Co-lead home" in page
    assert pending_member.user.email in page
    assert 'data-testid="pending-count">1<' in page


def _queries_for(member, url: str) -> int:
    client = client_for(member)
    client.get(url)  # warm sessions and content types
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["resident", "mentor", "gme_staff", "co_lead"])
def test_home_runs_the_same_queries_with_10_and_1000_members(role, request):
    member = request.getfixturevalue(role)
    bulk_members(8)
    bulk_members(2, status=Member.Status.PENDING)
    small = _queries_for(member, reverse("home"))
    bulk_members(800)
    bulk_members(190, status=Member.Status.PENDING)
    assert _queries_for(member, reverse("home")) == small


def test_join_request_list_runs_the_same_queries_with_5_and_500(co_lead):
    MemberFactory.create_batch(5, status=Member.Status.PENDING)
    small = _queries_for(co_lead, reverse("members:join_requests"))
    MemberFactory.create_batch(495, status=Member.Status.PENDING)
    assert _queries_for(co_lead, reverse("members:join_requests")) == small
