"""What newsletters hold about a member: email choices and newsletter deliveries."""

from imgportal.personal_data import PersonalData, personal_data_register
from newsletters.models import Delivery, EmailPreferences


def export(member) -> dict[str, object]:
    preferences = EmailPreferences.objects.filter(member=member).values(
        "unsubscribed", "hard_bounces", "suspended_at", "last_digest_at"
    )
    return {
        "email_preferences": preferences.first() or {"unsubscribed": []},
        "newsletters_sent_to_you": list(
            Delivery.objects.filter(member=member)
            .order_by("pk")
            .values("newsletter__subject", "email", "status", "sent_at")
        ),
    }


def erase(member) -> None:
    """Choices go; a delivery keeps its status for the sender's counts, without
    the address or the server's answer (which quotes it)."""
    EmailPreferences.objects.filter(member=member).delete()
    Delivery.objects.filter(member=member).update(email="", error="")


def register() -> None:
    personal_data_register(
        PersonalData(
            app="newsletters",
            models=(
                "newsletters.EmailPreferences",
                "newsletters.Delivery",
                # Newsletters name their author, a user kept as "Deleted member".
                "newsletters.Newsletter",
            ),
            export=export,
            erase=erase,
        )
    )
