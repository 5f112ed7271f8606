"""What the handbook holds about a member: what they watch and what they wrote."""

from handbook.models import Attachment, ReviewComment, Revision, Watch
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
        "handbook_review_comments_you_wrote": list(
            ReviewComment.objects.filter(by=member.user)
            .order_by("created_at")
            .values("revision__page__title", "revision__number", "body", "created_at")
        ),
        "handbook_files_you_uploaded": list(
            Attachment.objects.filter(uploaded_by=member)
            .order_by("created_at")
            .values("page__title", "original_name", "kind", "created_at")
        ),
    }


def erase(member) -> None:
    """Watches go. Revisions are the group's handbook and immutable (a database
    trigger): they stay, their author shown as "Deleted member"; so do review
    comments, the review record of those revisions. Files uploaded to pages are
    the handbook's: they stay, without their uploader."""
    Watch.objects.filter(member=member).delete()
    Attachment.objects.filter(uploaded_by=member).update(uploaded_by=None)


def register() -> None:
    DIGEST_SECTIONS.register("handbook", "handbook", digest_handbook_changes)
    personal_data_register(
        PersonalData(
            app="handbook",
            models=(
                "handbook.Watch",
                "handbook.Revision",
                "handbook.ReviewComment",
                "handbook.Attachment",
                "handbook.VisaTimeline",
                "handbook.VisaTimelineChange",
            ),
            export=export,
            erase=erase,
        )
    )
