"""What the handbook holds about a member: what they watch and what they wrote."""

from handbook.models import Revision, Watch
from handbook.selectors import digest_handbook_changes
from imgportal.hooks import DIGEST_SECTIONS
from imgportal.personal_data import PersonalData, personal_data_register


def export(member) -> dict[str, object]:
    return {
        "handbook_watches": list(
            Watch.objects.filter(member=member).values("page__title", "chapter__title")
        ),
        "handbook_revisions_you_wrote": list(
            Revision.objects.filter(author=member.user)
            .order_by("created_at")
            .values("page__title", "number", "summary", "state", "created_at")
        ),
    }


def erase(member) -> None:
    """Watches go. Revisions are the group's handbook and immutable (a database
    trigger): they stay, their author shown as "Deleted member"."""
    Watch.objects.filter(member=member).delete()


def register() -> None:
    DIGEST_SECTIONS.register("handbook", "handbook", digest_handbook_changes)
    personal_data_register(
        PersonalData(
            app="handbook",
            models=(
                "handbook.Watch",
                "handbook.Revision",
                "handbook.VisaTimeline",
                "handbook.VisaTimelineChange",
            ),
            export=export,
            erase=erase,
        )
    )
