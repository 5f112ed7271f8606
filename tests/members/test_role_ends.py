"""Rights end with the role: a co-lead who graduates, is deactivated or is
anonymised, and GME staff or a handbook editor who is deactivated, reach no staff
page afterwards, with the session they had or a new one."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from members import handoff, rules, services
from members.models import CoLeadTerm, DeletionRequest, Member, Role
from notifications.models import OutboundEmail
from tests.factories import MemberFactory, give_totp
from tests.test_permission_matrix import _expected
from tests.urls import ALL_URLS, url_of


@pytest.fixture(autouse=True)
def _in_next_years_rollover_window(monkeypatch):
    """The tests roll over into next academic year: be in its window."""
    year = rules.academic_year_of(timezone.localdate()) + 1
    day = rules.rollover_opens(year) + timedelta(days=5)
    monkeypatch.setattr("members.services.rollover_today", lambda: day)


pytestmark = pytest.mark.django_db


def _staff_only(role: str) -> list[str]:
    """URL names this role opens and a resident may not (every staff page)."""
    names = []
    for name in ALL_URLS:
        expected = _expected(name) or {}
        if expected.get(role) == 200 and expected.get("resident") in (403, 404):
            names.append(name)
    return sorted(names)


STAFF_URLS = {role: _staff_only(role) for role in ("co_lead", "gme_staff")}


def test_there_are_staff_pages_to_walk():
    assert len(STAFF_URLS["co_lead"]) > 20
    assert "members:export" in STAFF_URLS["co_lead"]
    assert "members:manage" in STAFF_URLS["gme_staff"]


def _reached(client: Client, role: str, context: dict) -> list[str]:
    reached = []
    for name in STAFF_URLS[role]:
        url = url_of(name, context)
        if client.get(url).status_code == 200:
            reached.append(url)
    return reached


def _signed_in(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


@pytest.fixture
def second_co_lead(db):
    member = MemberFactory(roles=[Role.RESIDENT, Role.CO_LEAD])
    give_totp(member.user)
    return member


def _graduate(member, by):
    """The yearly rollover, with the member's completion date before it."""
    year = rules.academic_year_of(timezone.localdate()) + 1
    Member.objects.filter(pk=member.pk).update(
        expected_completion=rules.academic_year_start(year) - timedelta(days=1)
    )
    services.rollover_apply(academic_year=year, by=by.user)


def _deactivate(member, by):
    services.member_deactivate(member=member, by=by.user)


def _anonymise(member, by):
    request = DeletionRequest.objects.create(member=member)
    services.deletion_request_confirm(request=request, by=by.user)


@pytest.mark.parametrize("step", [_graduate, _deactivate, _anonymise])
def test_a_co_lead_who_leaves_reaches_no_staff_page(
    step, co_lead, second_co_lead, url_context, django_capture_on_commit_callbacks
):
    before = _signed_in(co_lead)
    assert "/members/manage/export.csv" in _reached(before, "co_lead", url_context)
    with django_capture_on_commit_callbacks(execute=True):
        step(co_lead, second_co_lead)
    co_lead.refresh_from_db()
    assert _reached(before, "co_lead", url_context) == []
    assert _reached(_signed_in(co_lead), "co_lead", url_context) == []
    term = CoLeadTerm.objects.get(member=co_lead)
    assert (term.end is not None and term.end < timezone.localdate()) or (
        term.end == term.start
    )
    assert not co_lead.user.groups.filter(name=Role.CO_LEAD).exists()
    # The nightly job that matches roles to terms does not give it back.
    handoff.co_lead_terms_apply()
    assert not co_lead.user.groups.filter(name=Role.CO_LEAD).exists()
    assert handoff.current_co_lead_ids() == {second_co_lead.pk}


def test_graduation_closes_the_term_and_tells_the_other_co_leads_and_gme(
    co_lead, second_co_lead, gme_staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _graduate(co_lead, second_co_lead)
    for person in (second_co_lead, gme_staff):
        notice = OutboundEmail.objects.get(
            to=person.user.email, idempotency_key__startswith="co-lead-term-ended"
        )
        assert notice.subject == "Co-lead seats: 1 of 2 filled"
        assert f"{co_lead}'s co-lead term has ended" in notice.body_text
        assert "finished training" in notice.body_text
    assert not OutboundEmail.objects.filter(
        to=co_lead.user.email, idempotency_key__startswith="co-lead-term-ended"
    ).exists()
    # Alumni keep read access to the portal, nothing more.
    alumnus = _signed_in(co_lead)
    assert alumnus.get(reverse("members:directory")).status_code == 200
    assert alumnus.get(reverse("members:manage")).status_code == 403


@pytest.mark.parametrize("role", [Role.GME_STAFF, Role.HANDBOOK_EDITOR])
def test_gme_staff_and_editors_who_are_deactivated_lose_their_pages(
    role, co_lead, url_context
):
    member = MemberFactory(roles=[Role.RESIDENT, role])
    give_totp(member.user)
    client = _signed_in(member)
    page = reverse("members:manage") if role == Role.GME_STAFF else "/handbook/reviews/"
    assert client.get(page).status_code == 200
    services.member_deactivate(member=member, by=co_lead.user)
    assert client.get(page).status_code != 200
    assert _reached(client, "gme_staff", url_context) == []
    assert not member.user.groups.filter(name=role).exists()


def test_a_role_group_left_behind_gives_nothing_to_an_alumnus(co_lead, resident):
    """The permission rule holds even if a group was not taken away."""
    Member.objects.filter(pk=co_lead.pk).update(status=Member.Status.ALUMNI)
    assert co_lead.user.groups.filter(name=Role.CO_LEAD).exists()
    client = _signed_in(co_lead)
    assert client.get(reverse("members:manage")).status_code == 403
    assert client.get(reverse("members:export")).status_code == 403
    assert client.get(reverse("members:directory")).status_code == 200


def test_the_rollover_preview_warns_of_co_leads_who_graduate(co_lead, second_co_lead):
    year = rules.academic_year_of(timezone.localdate()) + 1
    Member.objects.filter(pk=co_lead.pk).update(
        expected_completion=rules.academic_year_start(year) - timedelta(days=1)
    )
    page = _signed_in(second_co_lead).get(
        reverse("members:rollover"), {"academic_year": year}
    )
    warning = page.content.decode()
    assert "Co-leads who finish training in this rollover" in warning
    assert co_lead.user.last_name in warning
