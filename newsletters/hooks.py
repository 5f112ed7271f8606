"""What newsletters plug in: their digest section, their deliveries' reading for
the deep health check, and the newsletter deliveries they hold about a member."""

from imgportal.hooks import BOUNCED_MESSAGES, DIGEST_SECTIONS, HEALTH_CHECKS
from imgportal.personal_data import PersonalData, personal_data_register
from newsletters.models import Delivery
from newsletters.selectors import deliveries_health, newsletters_since
from newsletters.services import delivery_bounced


def export(member) -> dict[str, object]:
    return {
        "newsletters_sent_to_you": list(
            Delivery.objects.filter(member=member)
            .order_by("pk")
            .values("newsletter__subject", "email", "status", "sent_at")
        ),
    }


def erase(member) -> None:
    """A delivery keeps its status for the sender's counts, without
    the address or the server's answer (which quotes it)."""
    Delivery.objects.filter(member=member).update(email="", error="")


def register() -> None:
    DIGEST_SECTIONS.register("newsletters", "newsletters", newsletters_since)
    BOUNCED_MESSAGES.register("newsletters", "deliveries", delivery_bounced)
    HEALTH_CHECKS.register("newsletters", "deliveries", deliveries_health)
    personal_data_register(
        PersonalData(
            app="newsletters",
            models=(
                "newsletters.Delivery",
                # Newsletters name their author, a user kept as "Deleted member".
                "newsletters.Newsletter",
            ),
            export=export,
            erase=erase,
        )
    )
