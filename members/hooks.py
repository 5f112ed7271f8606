"""What the members app holds about a member: the account, the profile, roles
and terms, and the audit trail of their record. Its erase runs last."""

import json

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import post_delete, post_save

from imgportal.hooks import DIGEST_SECTIONS
from imgportal.personal_data import PersonalData, personal_data_register
from imgportal.versions import version_bump
from members.models import (
    ActionLog,
    AuditEntry,
    CoLeadInvitation,
    CoLeadTerm,
    DeletionRequest,
    ImportJob,
    Member,
    Program,
    Specialty,
)
from members.selectors import MEMBERS_VERSION, digest_new_members

FILTER_CHOICES = "member-filter-choices"


def export(member: Member) -> dict[str, object]:
    user = member.user
    return {
        "account": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
            "last_opened_home": member.home_seen_at,
            "two_factor_methods": list(
                Authenticator.objects.filter(user=user).values_list("type", flat=True)
            ),
        },
        "profile": {
            "status": member.status,
            "preferred_name": member.preferred_name,
            "pronouns": member.pronouns,
            "phone": member.phone,
            "visa_status": member.visa_status,
            "visa_other": member.visa_other,
            "training_stage": member.training_stage,
            "specialty": str(member.specialty or ""),
            "program": str(member.program or ""),
            "medical_school": member.medical_school,
            "medical_school_country": member.medical_school_country.code,
            "home_country": member.home_country.code,
            "languages": member.languages,
            "training_start": member.training_start,
            "expected_completion": member.expected_completion,
            "interests": member.interests,
            "bio": member.bio,
            "shown_in_directory": member.directory_fields,
            "joined_at": member.joined_at,
        },
        "leadership_roles": list(
            member.leadership_roles.values("kind", "title", "start", "end", "outcome")
        ),
        "institution_sign_in": list(
            SocialAccount.objects.filter(user=user).values(
                "provider", "uid", "date_joined", "last_login"
            )
        ),
        "roles": list(user.groups.values_list("name", flat=True)),
        "co_lead_terms": list(
            CoLeadTerm.objects.filter(member=member).values("start", "end")
        ),
        "co_lead_invitations": list(
            CoLeadInvitation.objects.filter(invitee=member).values(
                "handover_on", "status", "created_at"
            )
        ),
        "deletion_requests": list(
            DeletionRequest.objects.filter(member=member).values(
                "requested_at", "status", "decided_at"
            )
        ),
        "changes_to_your_record": list(
            AuditEntry.objects.filter(member=member)
            .order_by("at", "pk")
            .values("at", "action", "changes", "actor__email")
        ),
        "actions_you_took": list(
            ActionLog.objects.filter(actor=member.user)
            .order_by("at", "pk")
            .values("at", "verb", "target_type__model", "target_id", "data")
        ),
    }


def erase(member: Member) -> None:
    """No name, address, contact, story or second factor remains. The member
    row stays (inactive, "Deleted member") with its visa status, stage, specialty
    and home country, so the group's counts by those stay right without naming
    anyone; audit entries never held personal values (masked when written)."""
    user = member.user
    addresses = {
        user.email,
        *EmailAddress.objects.filter(user=user).values_list("email", flat=True),
    }
    _imports_forget(addresses)
    LogEntry.objects.filter(
        content_type__in=[
            ContentType.objects.get_for_model(Member),
            ContentType.objects.get_for_model(type(user)),
        ],
        object_id__in=[str(member.pk), str(user.pk)],
    ).update(object_repr="Deleted member", change_message="")
    user.email = f"deleted-member-{member.pk}@invalid.example"
    user.first_name = "Deleted"
    user.last_name = "member"
    user.is_active = False
    user.set_unusable_password()
    user.save(
        update_fields=["email", "first_name", "last_name", "is_active", "password"]
    )
    EmailAddress.objects.filter(user=user).delete()
    # What they did stays on the objects' logs, no longer saying who.
    ActionLog.objects.filter(actor=user).update(actor=None)
    Authenticator.objects.filter(user=user).delete()
    # The IdP's identifier and what it said (names, address): the link goes,
    # so signing in there again finds no one (and asks to join afresh).
    SocialAccount.objects.filter(user=user).delete()
    user.groups.clear()
    for field_name, blank in (
        ("preferred_name", ""),
        ("pronouns", ""),
        ("phone", ""),
        ("visa_other", ""),
        ("medical_school", ""),
        ("medical_school_country", ""),
        ("interests", ""),
        ("bio", ""),
        ("languages", []),
        ("program", None),
        ("training_start", None),
        ("expected_completion", None),
        ("home_seen_at", None),
        ("directory_fields", []),
    ):
        setattr(member, field_name, blank)
    member.status = Member.Status.INACTIVE
    member.save()
    member.leadership_roles.all().delete()


def _imports_forget(addresses: set[str]) -> None:
    """Uploaded rosters keep their other rows; the person's rows go."""
    lowered = {a.lower() for a in addresses if a}
    for address in lowered:
        for job in ImportJob.objects.filter(content__icontains=address):
            job.content = "\n".join(
                line for line in job.content.splitlines() if address not in line.lower()
            )
            job.preview = [
                row for row in job.preview if address not in json.dumps(row).lower()
            ]
            job.save(update_fields=["content", "preview"])


def _filter_choices_changed(**kwargs) -> None:
    # The member list's and directory's filter forms, cached rendered
    # (imgportal/templatetags/portal_forms.py), list every specialty and program.
    version_bump(FILTER_CHOICES)


def _members_changed(**kwargs) -> None:
    # The home pages' community summary (members/selectors.py) is counted anew.
    version_bump(MEMBERS_VERSION)


def register() -> None:
    DIGEST_SECTIONS.register("members", "new_members", digest_new_members)
    post_save.connect(_members_changed, sender=Member, dispatch_uid="members-v")
    post_delete.connect(_members_changed, sender=Member, dispatch_uid="members-vd")
    for model in (Specialty, Program):
        post_save.connect(
            _filter_choices_changed, sender=model, dispatch_uid=f"fc-{model.__name__}"
        )
        post_delete.connect(
            _filter_choices_changed, sender=model, dispatch_uid=f"fcd-{model.__name__}"
        )
    personal_data_register(
        PersonalData(
            app="members",
            models=(
                "members.Member",
                "members.LeadershipRole",
                "members.AuditEntry",
                "members.CoLeadTerm",
                "members.CoLeadInvitation",
                "members.DeletionRequest",
                "members.ImportJob",
                # Rollovers name who applied them (a user, anonymised above).
                "members.RolloverRun",
                "members.ActionLog",
                "account.EmailAddress",
                "mfa.Authenticator",
                "socialaccount.SocialAccount",
                "socialaccount.SocialToken",
                "usersessions.UserSession",
                "admin.LogEntry",
            ),
            export=export,
            erase=erase,
        )
    )
