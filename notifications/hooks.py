"""What notifications plug in: the outbox lent to members, its reading for the
deep health check, and its part of a member's data (the emails sent to them,
their email choices)."""

from django.db.models import Q

from imgportal.hooks import HEALTH_CHECKS, OUTBOX
from imgportal.personal_data import PersonalData, personal_data_register
from notifications import outbox
from notifications.models import Bounce, EmailPreferences, OutboundEmail
from notifications.selectors import outbox_health


def _theirs(member):
    addresses = {
        member.user.email,
        *member.user.emailaddress_set.values_list("email", flat=True),
    }
    return OutboundEmail.objects.filter(Q(member=member) | Q(to__in=addresses))


def export(member) -> dict[str, object]:
    preferences = EmailPreferences.objects.filter(member=member).values(
        "unsubscribed",
        "hard_bounces",
        "soft_bounces",
        "suspended_at",
        "last_digest_at",
    )
    return {
        "email_preferences": preferences.first() or {"unsubscribed": []},
        "emails_to_you": list(
            _theirs(member)
            .order_by("created_at")
            .values("subject", "to", "status", "category", "created_at", "sent_at")
        ),
        "bounces_of_your_address": list(
            Bounce.objects.filter(member=member)
            .order_by("created_at")
            .values("kind", "status", "recipient", "reason", "created_at")
        ),
    }


def erase(member) -> None:
    """Rendered bodies, subjects and addresses go; the ledger row stays (its
    idempotency key keeps a retried task from sending again). Nothing queued for
    the person goes out any more. Their email choices and bounces go."""
    EmailPreferences.objects.filter(member=member).delete()
    Bounce.objects.filter(member=member).delete()
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
    for name in ("email_queue_template", "email_queue_message", "email_members"):
        OUTBOX.register("notifications", name, getattr(outbox, name))
    HEALTH_CHECKS.register("notifications", "outbox", outbox_health)
    personal_data_register(
        PersonalData(
            app="notifications",
            models=(
                "notifications.OutboundEmail",
                "notifications.EmailPreferences",
                "notifications.Bounce",
            ),
            export=export,
            erase=erase,
        )
    )
