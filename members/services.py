"""Every write to members goes through here."""

from allauth.usersessions.models import UserSession
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from imgportal.emails import email_queue_template
from members.models import Member, Role, User


def member_create_pending(*, user: User) -> Member:
    """Give a newly signed-up account its profile, waiting for co-lead approval."""
    member, _ = Member.objects.get_or_create(user=user)
    return member


def user_sessions_end(*, user: User) -> int:
    """Sign a person out everywhere: end every session they hold."""
    sessions = list(UserSession.objects.filter(user=user))
    for session in sessions:
        session.end()
    return len(sessions)


@transaction.atomic
def member_approve(*, member: Member, by: User) -> Member:
    """Let a pending member in: active status, the Resident role, a welcome email."""
    member = Member.objects.select_for_update().select_related("user").get(pk=member.pk)
    if member.status != Member.Status.PENDING:
        raise ValidationError("Only a pending join request can be approved.")
    member.status = Member.Status.ACTIVE
    member.approved_at = timezone.now()
    member.approved_by = by
    member.save(update_fields=["status", "approved_at", "approved_by"])
    member.user.groups.add(Group.objects.get(name=Role.RESIDENT))
    email_queue_template(
        key=f"member-approved:{member.pk}",
        to=member.user.email,
        template_prefix="members/email/approved",
        context={"member": member, "home_path": reverse("home")},
    )
    return member


@transaction.atomic
def member_decline(*, member: Member, by: User) -> Member:
    """Turn down a join request: the account is closed and the person told."""
    member = Member.objects.select_for_update().select_related("user").get(pk=member.pk)
    if member.status != Member.Status.PENDING:
        raise ValidationError("Only a pending join request can be declined.")
    member.status = Member.Status.INACTIVE
    member.save(update_fields=["status"])
    _user_deactivate(member.user)
    email_queue_template(
        key=f"member-declined:{member.pk}",
        to=member.user.email,
        template_prefix="members/email/declined",
        context={"member": member},
    )
    return member


@transaction.atomic
def member_deactivate(*, member: Member, by: User) -> Member:
    """Close a member's access now: inactive, signed out of every session."""
    member = Member.objects.select_for_update().select_related("user").get(pk=member.pk)
    member.status = Member.Status.INACTIVE
    member.save(update_fields=["status"])
    _user_deactivate(member.user)
    return member


def _user_deactivate(user: User) -> None:
    user.is_active = False
    user.save(update_fields=["is_active"])
    user_sessions_end(user=user)


@transaction.atomic
def member_grant_role(*, member: Member, role: Role, by: User) -> Member:
    """Add a role (Mentor, GME staff, Co-lead…) to an approved member."""
    if member.status != Member.Status.ACTIVE:
        raise ValidationError("Roles can only be given to active members.")
    member.user.groups.add(Group.objects.get(name=role))
    return member
