"""First run: the group's first co-lead, made from the command line.

Invitations to co-lead need a co-lead to send them, so a new portal has no way in
without this: `manage.py bootstrap` makes the user (no password yet: a link sets
it, or institution sign-in finds the account by its email), an approved member, an
open co-lead term from today and the Resident and Co-lead roles. Staff two-factor
sign-in applies from the first sign-in (members.middleware)."""

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from members.audit import audit_record
from members.models import AuditEntry, CoLeadTerm, Member, Role, User


class BootstrapRefused(Exception):
    """Why no co-lead was made (the command prints it)."""


def existing_co_leads() -> list[str]:
    return list(Member.objects.co_leads().values_list("user__email", flat=True))


@transaction.atomic
def bootstrap_co_lead(
    *, email: str, first_name: str, last_name: str, force: bool = False
) -> Member:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise BootstrapRefused(
            f"{email or 'An empty address'!s} is not a valid email address "
            "(write it as name@hospital.org)."
        ) from None
    if not first_name.strip() or not last_name.strip():
        raise BootstrapRefused("Give the co-lead's first and last name.")
    holders = existing_co_leads()
    if holders and not force:
        raise BootstrapRefused(
            f"The group already has a co-lead ({', '.join(holders)}). Co-leads "
            "invite the next one from the Handoff page; use --force only to add "
            "one when nobody can sign in."
        )
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=None)
    user.first_name, user.last_name = first_name.strip(), last_name.strip()
    user.is_active = True
    user.save(update_fields=["first_name", "last_name", "is_active"])
    address, _ = EmailAddress.objects.get_or_create(
        user=user, email__iexact=email, defaults={"email": email}
    )
    address.verified = address.primary = True
    address.save(update_fields=["verified", "primary"])
    now = timezone.now()
    member, _ = Member.objects.get_or_create(user=user)
    if member.status != Member.Status.ACTIVE:
        member.status = Member.Status.ACTIVE
        member.approved_at = member.approved_at or now
        member.save(update_fields=["status", "approved_at"])
    user.groups.add(*Group.objects.filter(name__in=[Role.RESIDENT, Role.CO_LEAD]))
    today = timezone.localdate()
    open_term = member.co_lead_terms.filter(start__lte=today).exclude(end__lt=today)
    if not open_term.exists():
        CoLeadTerm.objects.create(member=member, start=today)
    audit_record(
        member=member,
        actor=None,
        action=AuditEntry.Action.ROLE_GRANTED,
        changes={"roles": ("", str(Role.CO_LEAD))},
    )
    return member
