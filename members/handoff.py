"""Leadership handoff: co-lead terms (in force from their start, ended the day
before their end), invitations to the next co-lead, stepping down, and the rule
that staff roles end with active membership. The Co-lead role follows the terms
(`co_lead_terms_apply`, nightly); every change is in the member's audit trail."""

import logging
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from imgportal.mail import email_members, email_queue_template
from members.audit import audit_record
from members.models import (
    AuditEntry,
    CoLeadInvitation,
    CoLeadTerm,
    Member,
    Role,
    User,
)

# Roles that reach other members' data: they end when their holder stops being an
# active member (graduates, is deactivated or anonymised). Mentor stays: alumni
# keep their mentor profile, and mentoring pages need an active member anyway.
logger = logging.getLogger(__name__)

STAFF_ROLES = (Role.CO_LEAD, Role.GME_STAFF, Role.HANDBOOK_EDITOR)


def current_co_lead_ids(on: date | None = None) -> set[int]:
    """Co-leads whose term is in force and who are still active members."""
    on = on or timezone.localdate()
    return set(
        CoLeadTerm.objects.filter(start__lte=on, member__in=Member.objects.active())
        .exclude(end__lt=on)
        .values_list("member_id", flat=True)
    )


def staff_roles_end(*, member: Member, by: User | None, why: str) -> None:
    """A member who is no longer active loses every role that reaches other
    members' data (audited); an open co-lead term closes, and the other co-leads
    and GME staff are told how many co-lead seats remain filled."""
    today = timezone.localdate()
    term = (
        CoLeadTerm.objects.select_for_update()
        .filter(member=member)
        .exclude(end__lt=today)
        .first()
    )
    if term is not None:
        term.end = max(today - timedelta(days=1), term.start)
        term.save(update_fields=["end"])
    for group in member.user.groups.filter(name__in=STAFF_ROLES):
        member.user.groups.remove(group)
        audit_record(
            member=member,
            actor=by,
            action=AuditEntry.Action.ROLE_REMOVED,
            changes={"roles": (group.name, "")},
        )
    if term is not None:
        _co_lead_seat_notice(member=member, term=term, why=why)


def _co_lead_seat_notice(*, member: Member, term: CoLeadTerm, why: str) -> None:
    filled = len(current_co_lead_ids() - {member.pk})
    email_members(
        Member.objects.with_role(Role.CO_LEAD, Role.GME_STAFF)
        .exclude(pk=member.pk)
        .select_related("user"),
        key=f"co-lead-term-ended:{term.pk}",
        template_prefix="members/email/co_lead_term_ended",
        context={
            "former": member,
            "why": why,
            "filled": filled,
            "seats": settings.CO_LEAD_SEATS,
            "path": reverse("members:handoff"),
        },
        recipient_as="person",
    )


def _refuse_if_last_co_lead(member: Member, verb: str) -> None:
    current = current_co_lead_ids()
    if member.pk in current and len(current) == 1:
        raise ValidationError(
            f"Can't {verb} the last co-lead: invite a new co-lead and hand the "
            "role over first."
        )


@transaction.atomic
def co_lead_terms_apply(on: date | None = None) -> dict[str, int]:
    """Make the Co-lead role match the terms in force today (idempotent)."""
    on = on or timezone.localdate()
    group = Group.objects.get(name=Role.CO_LEAD)
    should = current_co_lead_ids(on)
    if not should:
        # No term in force (a gap between terms, or data entered by hand): keep
        # whoever holds the role rather than lock the group out of its own portal.
        logger.warning("No co-lead term in force on %s; Co-lead role left as is", on)
        return {"added": 0, "removed": 0}
    has = set(Member.objects.filter(user__groups=group).values_list("pk", flat=True))
    added = removed = 0
    for member in Member.objects.filter(pk__in=should - has).select_related("user"):
        member.user.groups.add(group)
        audit_record(
            member=member,
            actor=None,
            action=AuditEntry.Action.ROLE_GRANTED,
            changes={"roles": ("", str(Role.CO_LEAD))},
        )
        added += 1
    for member in Member.objects.filter(pk__in=has - should).select_related("user"):
        member.user.groups.remove(group)
        audit_record(
            member=member,
            actor=None,
            action=AuditEntry.Action.ROLE_REMOVED,
            changes={"roles": (str(Role.CO_LEAD), "")},
        )
        removed += 1
    return {"added": added, "removed": removed}


@transaction.atomic
def co_lead_invite(
    *, invitee: Member, by: Member, handover_on: date, replaces_inviter: bool
) -> CoLeadInvitation:
    """A current co-lead asks a member to take on (or join) the co-lead role."""
    if by.pk not in current_co_lead_ids():
        raise ValidationError("Only a current co-lead can invite a new one.")
    if invitee.status != Member.Status.ACTIVE:
        raise ValidationError({"invitee": "Only active members can become co-leads."})
    if invitee.pk in current_co_lead_ids():
        raise ValidationError({"invitee": "This member is already a co-lead."})
    if handover_on < timezone.localdate():
        raise ValidationError({"handover_on": "Choose today or a later date."})
    if CoLeadInvitation.objects.filter(
        invitee=invitee, status=CoLeadInvitation.Status.PENDING
    ).exists():
        raise ValidationError({"invitee": "This member already has an invitation."})
    invitation = CoLeadInvitation.objects.create(
        invitee=invitee,
        invited_by=by,
        handover_on=handover_on,
        replaces_inviter=replaces_inviter,
    )
    email_queue_template(
        key=f"co-lead-invitation:{invitation.pk}",
        to=invitee.user.email,
        template_prefix="members/email/co_lead_invitation",
        context={
            "invitation": invitation,
            "path": reverse("members:handoff_answer", args=[invitation.pk]),
        },
    )
    return invitation


@transaction.atomic
def co_lead_invitation_accept(
    *, invitation: CoLeadInvitation, by: Member
) -> CoLeadTerm:
    """The invitee says yes: their term starts on the handover date, and the
    inviter's ends the day before when they hand the role over."""
    invitation = CoLeadInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.invitee_id != by.pk:
        raise ValidationError("This invitation is for someone else.")
    if invitation.status != CoLeadInvitation.Status.PENDING:
        raise ValidationError("This invitation was already answered or withdrawn.")
    start = max(invitation.handover_on, timezone.localdate())
    term = CoLeadTerm.objects.create(member=by, start=start)
    if invitation.replaces_inviter:
        outgoing = (
            CoLeadTerm.objects.select_for_update()
            .filter(member=invitation.invited_by, end__isnull=True)
            .first()
        )
        if outgoing is not None:
            outgoing.end = max(start - timedelta(days=1), outgoing.start)
            outgoing.save(update_fields=["end"])
    invitation.status = CoLeadInvitation.Status.ACCEPTED
    invitation.answered_at = timezone.now()
    invitation.save(update_fields=["status", "answered_at"])
    transaction.on_commit(co_lead_terms_apply)
    return term


@transaction.atomic
def co_lead_invitation_decline(*, invitation: CoLeadInvitation, by: Member) -> None:
    invitation = CoLeadInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.invitee_id != by.pk:
        raise ValidationError("This invitation is for someone else.")
    if invitation.status == CoLeadInvitation.Status.PENDING:
        invitation.status = CoLeadInvitation.Status.DECLINED
        invitation.answered_at = timezone.now()
        invitation.save(update_fields=["status", "answered_at"])


@transaction.atomic
def co_lead_step_down(*, member: Member, by: User) -> CoLeadTerm:
    """End a co-lead's term today; refused for the last co-lead."""
    _refuse_if_last_co_lead(member, "remove")
    term = (
        CoLeadTerm.objects.select_for_update()
        .filter(member=member, end__isnull=True)
        .first()
    )
    if term is None:
        raise ValidationError("This member has no open co-lead term.")
    term.end = max(timezone.localdate() - timedelta(days=1), term.start)
    term.save(update_fields=["end"])
    transaction.on_commit(co_lead_terms_apply)
    return term
