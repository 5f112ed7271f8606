"""The outbox's part of a member's data: the emails sent to them."""

from django.db.models import Q

from imgportal.models import OutboundEmail
from imgportal.personal_data import PersonalData, personal_data_register


def _theirs(member):
    addresses = {
        member.user.email,
        *member.user.emailaddress_set.values_list("email", flat=True),
    }
    return OutboundEmail.objects.filter(Q(member=member) | Q(to__in=addresses))


def export(member) -> dict[str, object]:
    return {
        "emails_to_you": list(
            _theirs(member)
            .order_by("created_at")
            .values("subject", "to", "status", "category", "created_at", "sent_at")
        )
    }


def erase(member) -> None:
    """Rendered bodies, subjects and addresses go; the ledger row stays (its
    idempotency key keeps a retried task from sending again). Nothing queued for
    the person goes out any more."""
    emails = _theirs(member)
    emails.filter(status=OutboundEmail.Status.QUEUED).update(
        status=OutboundEmail.Status.CANCELLED
    )
    emails.update(
        to=f"deleted-member-{member.pk}@invalid.example",
        subject="(deleted)",
        body_text="",
        body_html="",
        headers={},
        attachments=[],
        stale_check={},
        last_error="",
    )


def register() -> None:
    personal_data_register(
        PersonalData(
            app="imgportal",
            models=("imgportal.OutboundEmail",),
            export=export,
            erase=erase,
        )
    )
