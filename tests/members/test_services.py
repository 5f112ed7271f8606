import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from members.models import Member, Role
from members.services import member_approve, member_decline, member_grant_role

pytestmark = pytest.mark.django_db


def test_approving_makes_a_resident_and_emails_them(
    pending_member, co_lead, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        member_approve(member=pending_member, by=co_lead.user)
    pending_member.refresh_from_db()
    assert pending_member.status == Member.Status.ACTIVE
    assert pending_member.approved_by == co_lead.user
    assert pending_member.approved_at is not None
    assert pending_member.user.has_perm("members.access_portal")
    assert [m.to for m in mail.outbox] == [[pending_member.user.email]]
    assert "approved" in mail.outbox[0].subject


def test_approving_twice_is_refused_and_sends_one_email(
    pending_member, co_lead, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        member_approve(member=pending_member, by=co_lead.user)
        with pytest.raises(ValidationError):
            member_approve(member=pending_member, by=co_lead.user)
    assert len(mail.outbox) == 1


def test_declining_closes_the_account_and_tells_the_person(
    pending_member, co_lead, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        member_decline(member=pending_member, by=co_lead.user)
    pending_member.refresh_from_db()
    assert pending_member.status == Member.Status.INACTIVE
    assert not pending_member.user.is_active
    assert mail.outbox[0].to == [pending_member.user.email]


def test_roles_go_only_to_active_members(pending_member, resident, co_lead):
    with pytest.raises(ValidationError):
        member_grant_role(member=pending_member, role=Role.MENTOR, by=co_lead.user)
    member_grant_role(member=resident, role=Role.MENTOR, by=co_lead.user)
    assert resident.user.groups.filter(name=Role.MENTOR).exists()
