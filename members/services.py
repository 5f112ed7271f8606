import logging
from datetime import date

from allauth.usersessions.models import UserSession
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from imgportal.identity import group_identity
from imgportal.mail import email_members, email_queue_template
from imgportal.personal_data import erase_all
from members import rules
from members.audit import audit_many, audit_record, diff, snapshot
from members.handoff import _refuse_if_last_co_lead, staff_roles_end
from members.models import (
    AuditEntry,
    DeletionRequest,
    LeadershipRole,
    Member,
    Role,
    RolloverRun,
    User,
)

logger = logging.getLogger(__name__)


# Roles a co-lead may hand out (from the member list, or the handbook's editors
# page). Co-lead itself passes only through a handoff invitation, so the history
# of co-lead terms stays complete.
GRANTABLE_ROLES = (Role.MENTOR, Role.GME_STAFF, Role.HANDBOOK_EDITOR)


def member_create_pending(*, user: User) -> Member:
    """Give a newly signed-up account its profile, waiting for co-lead approval."""
    member, created = Member.objects.get_or_create(user=user)
    if created:
        audit_record(member=member, actor=user, action=AuditEntry.Action.CREATED)
    return member


@transaction.atomic
def member_create_from_institution(*, user: User, approve: bool) -> Member:
    """A first sign-in through the institution's IdP: a join request like a
    sign-up, or (an address on SSO_APPROVE_DOMAINS, as the group decided) an
    approved resident at once, approved by no one (the audit trail says so)."""
    member = member_create_pending(user=user)
    if approve and member.status == Member.Status.PENDING:
        member = member_approve(member=member, by=None)
    return member


def own_profile_create(*, user: User) -> Member:
    """An account without a profile asks for one: a join request, which a site
    admin (who could approve it in the admin anyway) approves at once."""
    member = member_create_pending(user=user)
    if user.is_superuser and member.status == Member.Status.PENDING:
        member = member_approve(member=member, by=user)
    return member


def user_sessions_end(*, user: User) -> int:
    """Sign a person out everywhere: end every session they hold."""
    sessions = list(UserSession.objects.filter(user=user))
    for session in sessions:
        session.end()
    return len(sessions)


def _locked(member: Member) -> Member:
    return Member.objects.select_for_update().select_related("user").get(pk=member.pk)


@transaction.atomic
def member_approve(*, member: Member, by: User | None) -> Member:
    """Let a pending member in: active status, the Resident role, a welcome email."""
    member = _locked(member)
    if member.status != Member.Status.PENDING:
        raise ValidationError("Only a pending join request can be approved.")
    member.status = Member.Status.ACTIVE
    member.approved_at = timezone.now()
    member.approved_by = by
    member.save(update_fields=["status", "approved_at", "approved_by"])
    member.user.groups.add(Group.objects.get(name=Role.RESIDENT))
    audit_record(
        member=member,
        actor=by,
        action=AuditEntry.Action.APPROVED,
        changes={"status": (Member.Status.PENDING, Member.Status.ACTIVE)},
    )
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
    member = _locked(member)
    if member.status != Member.Status.PENDING:
        raise ValidationError("Only a pending join request can be declined.")
    member.status = Member.Status.INACTIVE
    member.save(update_fields=["status"])
    _user_deactivate(member.user)
    audit_record(
        member=member,
        actor=by,
        action=AuditEntry.Action.DECLINED,
        changes={"status": (Member.Status.PENDING, Member.Status.INACTIVE)},
    )
    # The email says to write to the contact address; replying reaches it too.
    contact = group_identity().contact_email
    email_queue_template(
        key=f"member-declined:{member.pk}",
        to=member.user.email,
        template_prefix="members/email/declined",
        context={"member": member},
        headers={"Reply-To": contact} if contact else None,
    )
    return member


@transaction.atomic
def member_deactivate(*, member: Member, by: User) -> Member:
    """Close a member's access now: inactive, signed out of every session."""
    member = _locked(member)
    if member.status == Member.Status.INACTIVE:
        return member
    _refuse_if_last_co_lead(member, "deactivate")
    before = member.status
    member.status = Member.Status.INACTIVE
    member.save(update_fields=["status"])
    _user_deactivate(member.user)
    audit_record(
        member=member,
        actor=by,
        action=AuditEntry.Action.STATUS,
        changes={"status": (before, member.status)},
    )
    staff_roles_end(member=member, by=by, why="deactivated")
    return member


@transaction.atomic
def member_mark_alumni(*, member: Member, by: User) -> Member:
    """A member who finished training: they keep read access as alumni."""
    member = _locked(member)
    if member.status != Member.Status.ACTIVE:
        raise ValidationError("Only active members can become alumni.")
    before = snapshot(member, ["status", "training_stage"])
    member.status = Member.Status.ALUMNI
    member.training_stage = Member.TrainingStage.ALUMNI
    member.save(update_fields=["status", "training_stage"])
    audit_record(
        member=member,
        actor=by,
        action=AuditEntry.Action.STATUS,
        changes=diff(before, snapshot(member, before)),
    )
    staff_roles_end(member=member, by=by, why="graduated")
    return member


def _user_deactivate(user: User) -> None:
    user.is_active = False
    user.save(update_fields=["is_active"])
    user_sessions_end(user=user)


@transaction.atomic
def member_grant_role(*, member: Member, role: str, by: User) -> Member:
    """Add a role (Mentor, GME staff, Handbook editor) to an active member."""
    if role not in GRANTABLE_ROLES:
        raise ValidationError(
            "Co-leads are added through a handoff invitation, not from the list."
        )
    if member.status != Member.Status.ACTIVE:
        raise ValidationError("Roles can only be given to active members.")
    group = Group.objects.get(name=role)
    if not member.user.groups.filter(pk=group.pk).exists():
        member.user.groups.add(group)
        audit_record(
            member=member,
            actor=by,
            action=AuditEntry.Action.ROLE_GRANTED,
            changes={"roles": ("", str(role))},
        )
    return member


@transaction.atomic
def member_remove_role(*, member: Member, role: str, by: User) -> Member:
    """Take back a role a co-lead gave (never Co-lead: that passes by handoff)."""
    if role not in GRANTABLE_ROLES:
        raise ValidationError("Co-leads step down through a handoff.")
    group = Group.objects.get(name=role)
    if member.user.groups.filter(pk=group.pk).exists():
        member.user.groups.remove(group)
        audit_record(
            member=member,
            actor=by,
            action=AuditEntry.Action.ROLE_REMOVED,
            changes={"roles": (str(role), "")},
        )
    return member


@transaction.atomic
def member_update_profile(
    *, member: Member, by: User, data: dict, user_data: dict | None = None
) -> Member:
    """Save profile fields (already validated by a form) and audit the difference."""
    member = _locked(member)
    user_fields = list((user_data or {}).keys())
    before = snapshot(member, data.keys())
    before_user = {f: getattr(member.user, f) for f in user_fields}
    for field_name, value in data.items():
        setattr(member, field_name, value)
    member.full_clean(exclude=["user", "approved_by"])
    member.save(update_fields=list(data.keys()))
    for field_name, value in (user_data or {}).items():
        setattr(member.user, field_name, value)
    if user_fields:
        member.user.save(update_fields=user_fields)
    changes = diff(before, snapshot(member, data.keys()))
    changes.update(
        {
            f: (before_user[f], getattr(member.user, f))
            for f in user_fields
            if before_user[f] != getattr(member.user, f)
        }
    )
    if changes:
        audit_record(
            member=member, actor=by, action=AuditEntry.Action.PROFILE, changes=changes
        )
    return member


def leadership_role_save(*, role: LeadershipRole, by: User) -> LeadershipRole:
    """Add or change a role in a member's leadership portfolio."""
    role.full_clean()
    role.save()
    return role


def leadership_role_delete(*, role: LeadershipRole, by: User) -> None:
    role.delete()


def member_record_data_download(*, member: Member) -> None:
    audit_record(
        member=member, actor=member.user, action=AuditEntry.Action.DATA_DOWNLOADED
    )


def visa_views_record(*, viewer: User, members) -> None:
    """Log that a co-lead or GME staff member saw these members' visa status."""
    shown = [m for m in members if m.user_id != viewer.pk]
    if shown:
        audit_many(members=shown, actor=viewer, action=AuditEntry.Action.VISA_VIEWED)


def members_export_record(*, viewer: User, members) -> None:
    audit_many(members=members, actor=viewer, action=AuditEntry.Action.EXPORTED)


@transaction.atomic
def deletion_request_create(*, member: Member, reason: str = "") -> DeletionRequest:
    """A member asks to be deleted; co-leads are told and one confirms."""
    existing = member.deletion_requests.filter(
        status=DeletionRequest.Status.PENDING
    ).first()
    if existing:
        return existing
    request = DeletionRequest.objects.create(member=member, reason=reason)
    email_members(
        Member.objects.co_leads().select_related("user"),
        key=f"deletion-request:{request.pk}",
        template_prefix="members/email/deletion_requested",
        context={"path": reverse("members:deletion_requests")},
        recipient_as="co_lead",
    )
    return request


@transaction.atomic
def deletion_request_cancel(*, request: DeletionRequest, by: User) -> None:
    request = DeletionRequest.objects.select_for_update().get(pk=request.pk)
    if request.status == DeletionRequest.Status.PENDING:
        request.status = DeletionRequest.Status.CANCELLED
        request.decided_by = by
        request.decided_at = timezone.now()
        request.save(update_fields=["status", "decided_by", "decided_at"])


# Kept after anonymising, for the group's aggregate counts only.
KEPT_FOR_COUNTS = ("visa_status", "training_stage", "specialty", "home_country")


@transaction.atomic
def deletion_request_confirm(*, request: DeletionRequest, by: User) -> Member:
    """Anonymise the person: no name, email, contact or story remains."""
    request = DeletionRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != DeletionRequest.Status.PENDING:
        raise ValidationError("This request was already handled.")
    member = _locked(request.member)
    _refuse_if_last_co_lead(member, "delete")
    staff_roles_end(member=member, by=by, why="anonymised")
    # Every app's erase (its `hooks.py`), the account and profile last.
    erase_all(member)
    member.anonymised_at = timezone.now()
    member.save(update_fields=["anonymised_at"])
    user_sessions_end(user=member.user)
    request.status = DeletionRequest.Status.DONE
    request.decided_by = by
    request.decided_at = timezone.now()
    request.reason = ""
    request.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    audit_record(member=member, actor=by, action=AuditEntry.Action.ANONYMISED)
    return member


def rollover_changes(*, academic_year: int) -> list[dict]:
    """What a rollover for `academic_year` would change (the preview)."""
    on = rules.academic_year_start(academic_year)
    changes = []
    rows = Member.objects.filter(status=Member.Status.ACTIVE).values_list(
        "pk", "training_stage", "status", "expected_completion"
    )
    for pk, stage, status, completion in rows.iterator():
        new_stage, new_status = rules.rolled_over(
            stage=stage, status=status, expected_completion=completion, on=on
        )
        if (new_stage, new_status) != (stage, status):
            changes.append(
                {
                    "member": pk,
                    "stage": [stage, new_stage],
                    "status": [status, new_status],
                }
            )
    return changes


def rollover_today() -> date:
    """Today, for the rollover window (tests move it)."""
    return timezone.localdate()


@transaction.atomic
def rollover_apply(*, academic_year: int, by: User) -> RolloverRun:
    """Advance training stages and move finished members to alumni, once a year,
    for the year that is due (from its June proposal on)."""
    refusal = rules.rollover_refusal(academic_year, rollover_today())
    if refusal:
        raise ValidationError(refusal)
    if RolloverRun.objects.filter(
        academic_year=academic_year, undone_at__isnull=True
    ).exists():
        raise ValidationError(f"The {academic_year} rollover was already applied.")
    changes = rollover_changes(academic_year=academic_year)
    members = Member.objects.select_for_update().in_bulk(c["member"] for c in changes)
    for change in changes:
        member = members[change["member"]]
        member.training_stage = change["stage"][1]
        member.status = change["status"][1]
        member.save(update_fields=["training_stage", "status"])
        audit_record(
            member=member,
            actor=by,
            action=AuditEntry.Action.ROLLOVER,
            changes={
                "training_stage": tuple(change["stage"]),
                "status": tuple(change["status"]),
            },
        )
        if member.status != Member.Status.ACTIVE:
            staff_roles_end(member=member, by=by, why="graduated")
    return RolloverRun.objects.create(
        academic_year=academic_year,
        effective_on=rules.academic_year_start(academic_year),
        applied_by=by,
        changes=changes,
    )


@transaction.atomic
def rollover_undo(*, run: RolloverRun, by: User) -> int:
    """Put back what a rollover changed, except where someone edited since."""
    run = RolloverRun.objects.select_for_update().get(pk=run.pk)
    if run.undone_at:
        raise ValidationError("This rollover was already undone.")
    members = Member.objects.select_for_update().in_bulk(
        c["member"] for c in run.changes
    )
    restored = 0
    for change in run.changes:
        member = members.get(change["member"])
        if member is None or (member.training_stage, member.status) != (
            change["stage"][1],
            change["status"][1],
        ):
            continue  # changed since the rollover: leave the newer value
        member.training_stage, member.status = change["stage"][0], change["status"][0]
        member.save(update_fields=["training_stage", "status"])
        audit_record(
            member=member,
            actor=by,
            action=AuditEntry.Action.ROLLOVER_UNDONE,
            changes={
                "training_stage": tuple(reversed(change["stage"])),
                "status": tuple(reversed(change["status"])),
            },
        )
        restored += 1
    run.undone_at = timezone.now()
    run.undone_by = by
    run.save(update_fields=["undone_at", "undone_by"])
    return restored


def rollover_propose(*, academic_year: int) -> int:
    """Email the co-leads that this year's rollover is ready to preview (once)."""
    if RolloverRun.objects.filter(academic_year=academic_year).exists():
        return 0
    return email_members(
        Member.objects.co_leads().select_related("user"),
        key=f"rollover-proposal:{academic_year}",
        template_prefix="members/email/rollover_proposal",
        context={"academic_year": academic_year, "path": reverse("members:rollover")},
        recipient_as="co_lead",
    )


def member_home_seen(*, member: Member, at) -> None:
    """Note when the member opened their home page (like last_login: no audit,
    and an UPDATE, so the members' data version and its caches stay as they are)."""
    Member.objects.filter(pk=member.pk).update(home_seen_at=at)
    member.home_seen_at = at
