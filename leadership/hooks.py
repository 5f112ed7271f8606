"""What the leadership app plugs into the portal: its reminder's send-time
check, its part of a member's data download and erase, and the digest."""

from imgportal.hooks import DIGEST_SECTIONS, MEMBER_DIGEST_SECTIONS, STALE_CHECKS
from imgportal.personal_data import PersonalData, personal_data_register
from leadership.models import Opening, ShortlistEntry
from leadership.selectors import digest_mine, digest_openings
from leadership.services import reminder_still_true


def export(member) -> dict[str, object]:
    return {
        "leadership_shortlist": [
            {
                "opening": entry.opening.title,
                "note": entry.note,
                "saved_at": entry.created_at,
            }
            for entry in ShortlistEntry.objects.filter(member=member).select_related(
                "opening"
            )
        ],
        "leadership_openings_posted": list(
            Opening.objects.filter(posted_by=member.user).values(
                "title", "status", "created_at"
            )
        ),
    }


def erase(member) -> None:
    ShortlistEntry.objects.filter(member=member).delete()
    # Openings they posted stay on the board (they're the program's), unsigned.
    Opening.objects.filter(posted_by=member.user).update(posted_by=None)


def register() -> None:
    STALE_CHECKS.register("leadership", "leadership_deadline", reminder_still_true)
    DIGEST_SECTIONS.register("leadership", "leadership", digest_openings)
    MEMBER_DIGEST_SECTIONS.register("leadership", "shortlist", digest_mine)
    personal_data_register(
        PersonalData(
            app="leadership",
            models=(
                "leadership.Opening",
                "leadership.ShortlistEntry",
                "leadership.OpeningRole",
            ),
            export=export,
            erase=erase,
        )
    )
