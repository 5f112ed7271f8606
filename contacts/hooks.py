"""What the contacts app plugs into the portal: the member's data download and
erase (the log is theirs alone), and the follow-up reminder's send-time check."""

from contacts.models import Contact, ContactImport
from contacts.selectors import digest_follow_ups
from contacts.services import follow_up_still_true
from imgportal.hooks import MEMBER_DIGEST_SECTIONS, STALE_CHECKS
from imgportal.personal_data import PersonalData, personal_data_register

EXPORTED_FIELDS = (
    "name",
    "role",
    "institution",
    "where_met",
    "where_met_detail",
    "discussed",
    "last_contact_on",
    "follow_up_on",
    "tags",
    "board_seat",
    "created_at",
    "updated_at",
)


def export(member) -> dict[str, object]:
    """The member's own contacts (a linked member by name only, never more), and
    their imports as the portal keeps them: file name, status and counts. Rows
    are not repeated: a confirmed import's rows are the contacts above, and an
    unconfirmed preview is a copy of the member's own file, deleted within
    PREVIEW_KEPT_FOR."""
    rows = []
    for contact in Contact.objects.filter(member=member).select_related(
        "linked_member__user"
    ):
        row = {field: getattr(contact, field) for field in EXPORTED_FIELDS}
        linked = contact.linked_member
        row["linked_member"] = linked.full_name if linked else ""
        rows.append(row)
    imports = [
        {
            "filename": job.filename,
            "status": str(job.get_status_display()),
            "uploaded_at": job.created_at,
            "rows_in_preview": len(job.rows),
            "imported": job.imported,
            "duplicates_skipped": job.skipped,
        }
        for job in ContactImport.objects.filter(member=member).order_by("created_at")
    ]
    return {"contacts": rows, "contact_imports": imports}


def erase(member) -> None:
    """The whole log goes, pending imports too; other members' contacts keep
    their own text but no longer link to the erased member."""
    Contact.objects.filter(member=member).delete()
    ContactImport.objects.filter(member=member).delete()
    Contact.objects.filter(linked_member=member).update(linked_member=None)


def register() -> None:
    STALE_CHECKS.register("contacts", "contact_follow_up", follow_up_still_true)
    MEMBER_DIGEST_SECTIONS.register("contacts", "follow_ups", digest_follow_ups)
    personal_data_register(
        PersonalData(
            app="contacts",
            models=("contacts.Contact", "contacts.ContactImport"),
            export=export,
            erase=erase,
        )
    )
