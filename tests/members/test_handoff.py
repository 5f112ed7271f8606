"""Leadership handoff: invite, accept, rights pass on the chosen date."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from members.handoff import co_lead_step_down, co_lead_terms_apply
from members.models import CoLeadInvitation, CoLeadTerm, Role
from members.services import member_deactivate
from tests.conftest import client_for, page_text
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _invite(co_lead, invitee, on, replaces=True):
    data = {"invitee": invitee.pk, "handover_on": on.isoformat()}
    if replaces:
        data["replaces_inviter"] = "on"
    return client_for(co_lead).post(reverse("members:handoff"), data)


def test_handoff_today_passes_the_role_at_once(
    co_lead, resident, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        _invite(co_lead, resident, today)
    invitation = CoLeadInvitation.objects.get()
    assert mail.outbox[-1].to == [resident.user.email]
    with django_capture_on_commit_callbacks(execute=True):
        client_for(resident).post(
            reverse("members:handoff_answer", args=[invitation.pk]),
            {"answer": "accept"},
        )
    resident.user.refresh_from_db()
    co_lead.user.refresh_from_db()
    assert resident.user.groups.filter(name=Role.CO_LEAD).exists()
    assert not co_lead.user.groups.filter(name=Role.CO_LEAD).exists()
    assert client_for(co_lead).get(reverse("members:handoff")).status_code == 403


def test_handoff_on_a_later_date_waits_for_that_date(
    co_lead, resident, django_capture_on_commit_callbacks
):
    later = timezone.localdate() + timedelta(days=10)
    _invite(co_lead, resident, later)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(resident).post(
            reverse("members:handoff_answer", args=[CoLeadInvitation.objects.get().pk]),
            {"answer": "accept"},
        )
    assert not resident.user.groups.filter(name=Role.CO_LEAD).exists()
    assert co_lead.user.groups.filter(name=Role.CO_LEAD).exists()
    co_lead_terms_apply(on=later)  # what the nightly beat task does
    assert resident.user.groups.filter(name=Role.CO_LEAD).exists()
    assert not co_lead.user.groups.filter(name=Role.CO_LEAD).exists()


def test_only_the_invitee_can_answer(co_lead, resident, mentor):
    _invite(co_lead, resident, timezone.localdate())
    invitation = CoLeadInvitation.objects.get()
    response = client_for(mentor).post(
        reverse("members:handoff_answer", args=[invitation.pk]), {"answer": "accept"}
    )
    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == CoLeadInvitation.Status.PENDING


def test_invitation_date_in_the_past_is_a_field_error(co_lead, resident):
    response = _invite(co_lead, resident, timezone.localdate() - timedelta(days=1))
    assert response.status_code == 200
    assert "Choose today or a later date." in page_text(response)
    assert not CoLeadInvitation.objects.exists()


def test_the_last_co_lead_cannot_step_down_or_be_deactivated(co_lead):
    with pytest.raises(ValidationError, match="last co-lead"):
        co_lead_step_down(member=co_lead, by=co_lead.user)
    with pytest.raises(ValidationError, match="last co-lead"):
        member_deactivate(member=co_lead, by=co_lead.user)
    page = client_for(co_lead).post(
        reverse("members:handoff_step_down", args=[co_lead.pk]), follow=True
    )
    assert "Can't remove the last co-lead" in page_text(page)


def test_a_second_co_lead_can_step_down(co_lead, django_capture_on_commit_callbacks):
    other = MemberFactory(roles=[Role.RESIDENT, Role.CO_LEAD])
    with django_capture_on_commit_callbacks(execute=True):
        co_lead_step_down(member=other, by=co_lead.user)
    other.user.refresh_from_db()
    assert not other.user.groups.filter(name=Role.CO_LEAD).exists()


def test_about_page_shows_the_history_of_co_leads(resident, co_lead):
    CoLeadTerm.objects.create(
        member=MemberFactory(user__first_name="Founder"),
        start=timezone.localdate().replace(year=2019, month=7, day=1),
        end=timezone.localdate().replace(year=2021, month=6, day=30),
    )
    page = client_for(resident).get(reverse("members:about")).content.decode()
    assert "Founder" in page
    assert "July 2019 to June 2021" in page
    assert co_lead.full_name in page


def test_terms_sync_never_leaves_the_group_without_co_leads(co_lead):
    CoLeadTerm.objects.all().delete()
    assert co_lead_terms_apply() == {"added": 0, "removed": 0}
    assert co_lead.user.groups.filter(name=Role.CO_LEAD).exists()


def test_existing_co_leads_get_a_term_when_terms_arrive():
    """The 0007 migration: holders of the role before terms existed keep it."""
    import importlib

    from django.apps import apps
    from django.contrib.auth.models import Group

    member = MemberFactory()
    member.user.groups.add(Group.objects.get(name=Role.CO_LEAD))
    importlib.import_module("members.migrations.0007_backfill_co_lead_terms").backfill(
        apps, None
    )
    assert CoLeadTerm.objects.filter(member=member, end__isnull=True).exists()
    co_lead_terms_apply()
    assert member.user.groups.filter(name=Role.CO_LEAD).exists()
