"""Writes to a member's own contacts log, its follow-up reminders and imports.

No action-log rows: the log is private to its owner, who is the only one who
ever acts on it, and `ActionLog` is read by those who manage an object (rows
would put the names of a member's contacts in front of co-leads). So these
services take the owning `member`, never `by` (tests/test_action_log.py checks
only services that act for someone else)."""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from contacts import spreadsheet
from contacts.models import (
    MAX_TAGS,
    PREVIEW_KEPT_FOR,
    TAG_MAX,
    Contact,
    ContactImport,
)
from members import selectors as member_selectors
from members.models import Member, active_q
from notifications.models import Category, OutboundEmail
from notifications.outbox import email_queue_template

# A follow-up missed (beat down, a date typed in the past) is still reminded
# this many days late, once; older ones are left alone, so importing an old
# spreadsheet does not send a burst of reminders.
OVERDUE_GRACE_DAYS = 7
MAX_YEARS_AHEAD = 10
PREVIEW_GONE = "This preview has expired: upload the file again."


def contact_check(
    *, last_contact_on: date | None, follow_up_on: date | None, tags: list[str]
) -> None:
    """The rules a contact's dates and tags keep, by field."""
    errors: dict[str, str] = {}
    today = timezone.localdate()
    if last_contact_on and last_contact_on > today:
        errors["last_contact_on"] = "That is in the future: enter when you last met."
    if last_contact_on and last_contact_on.year < 1950:
        errors["last_contact_on"] = "That is before 1950: check the year."
    if follow_up_on and follow_up_on > today + timedelta(days=366 * MAX_YEARS_AHEAD):
        errors["follow_up_on"] = (
            f"That is more than {MAX_YEARS_AHEAD} years away: check the year."
        )
    if follow_up_on and follow_up_on.year < 1950:
        errors["follow_up_on"] = "That is before 1950: check the year."
    if len(tags) > MAX_TAGS:
        errors["tags"] = f"Up to {MAX_TAGS} tags."
    elif any(len(tag) > TAG_MAX for tag in tags):
        errors["tags"] = f"Each tag is at most {TAG_MAX} characters."
    if errors:
        raise ValidationError(errors)


def _linkable(contact: Contact) -> None:
    """A new link is to an approved member; a link already saved may stay."""
    member, linked = contact.member, contact.linked_member
    if linked is None:
        return
    if (
        contact.pk
        and Contact.objects.filter(pk=contact.pk, linked_member=linked).exists()
    ):
        return
    allowed = member_selectors.directory_for(member.user).filter(pk=linked.pk)
    if linked.pk == member.pk or not allowed.exists():
        raise ValidationError(
            {"linked_member": "Choose an approved member of the portal, not yourself."}
        )


@transaction.atomic
def contact_save(*, contact: Contact) -> Contact:
    """Add or change one of the member's own contacts."""
    contact.tags = spreadsheet.split_tags(",".join(contact.tags or []))
    contact_check(
        last_contact_on=contact.last_contact_on,
        follow_up_on=contact.follow_up_on,
        tags=contact.tags,
    )
    _linkable(contact)
    if contact.where_met_detail and not contact.where_met:
        contact.where_met = Contact.WhereMet.OTHER
    contact.full_clean()
    contact.updated_at = timezone.now()
    contact.save()
    return contact


@transaction.atomic
def contact_delete(*, contact: Contact) -> None:
    """Remove one contact from the member's log."""
    contact.delete()


@transaction.atomic
def contact_logged_today(*, contact: Contact, today: date | None = None) -> Contact:
    """ "Logged a contact today": the last contact becomes today (twice is once),
    and a follow-up due today or overdue is done (a later one stays)."""
    today = today or timezone.localdate()
    settled = contact.follow_up_on is not None and contact.follow_up_on <= today
    if contact.last_contact_on != today or settled:
        contact.last_contact_on = today
        if settled:
            contact.follow_up_on = None
        contact.updated_at = timezone.now()
        contact.save(update_fields=["last_contact_on", "follow_up_on", "updated_at"])
    return contact


def follow_up_key(contact_id: int, on: date) -> str:
    return f"contact-follow-up:{contact_id}:{on.isoformat()}"


def follow_up_still_true(*, contact_id: int, on: str) -> bool:
    """At send time: the contact is still there and still due that day."""
    return Contact.objects.filter(
        active_q("member__"), pk=contact_id, follow_up_on=on
    ).exists()


def follow_ups_send(*, today: date | None = None) -> int:
    """Daily: queue one email to its owner for each contact whose follow-up is
    today (or was missed in the last few days), once per contact and date."""
    today = today or timezone.localdate()
    due = (
        Contact.objects.filter(active_q("member__"))
        .filter(
            follow_up_on__lte=today,
            follow_up_on__gte=today - timedelta(days=OVERDUE_GRACE_DAYS),
        )
        .select_related("member__user")
        .order_by("pk")
    )
    due = list(due)
    sent_before = set(
        OutboundEmail.objects.filter(
            idempotency_key__in=[follow_up_key(c.pk, c.follow_up_on) for c in due]
        ).values_list("idempotency_key", flat=True)
    )
    queued = 0
    for contact in due:
        key = follow_up_key(contact.pk, contact.follow_up_on)
        if key in sent_before:
            continue
        with transaction.atomic():
            email_queue_template(
                key=key,
                to=contact.member.user.email,
                template_prefix="contacts/email/follow_up",
                context={
                    "member": contact.member,
                    "contact": contact,
                    "late": (today - contact.follow_up_on).days,
                    "url": f"{settings.SITE_URL}/contacts/?due=1",
                },
                member=contact.member,
                category=Category.FOLLOW_UPS,
                stale_check={
                    "kind": "contact_follow_up",
                    "contact_id": contact.pk,
                    "on": contact.follow_up_on.isoformat(),
                },
            )
        queued += 1
    return queued


# --- Import -------------------------------------------------------------------


def _where_met_choices() -> dict[str, str]:
    table = {}
    for value, label in Contact.WhereMet.choices:
        table[value.casefold()] = value
        table[value.replace("_", " ").casefold()] = value
        table[str(label).casefold()] = value
    return table


def _json_values(values: dict) -> dict:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


def _check_row(row: spreadsheet.Row) -> None:
    if row.problems:
        return
    try:
        contact_check(
            last_contact_on=row.values.get("last_contact_on"),
            follow_up_on=row.values.get("follow_up_on"),
            tags=row.values.get("tags", []),
        )
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            column = spreadsheet.COLUMNS[list(spreadsheet.KEYS.values()).index(key)]
            row.problems.extend(f"{column}: {m}" for m in messages)


def _existing_keys(member: Member) -> dict[str, str]:
    return {
        spreadsheet.duplicate_key(name, institution): name
        for name, institution in Contact.objects.filter(member=member).values_list(
            "name", "institution"
        )
    }


def _preview_rows(member: Member, rows: list[spreadsheet.Row]) -> list[dict]:
    existing = _existing_keys(member)
    first_line_of: dict[str, int] = {}
    preview = []
    for row in rows:
        _check_row(row)
        duplicate = ""
        if not row.problems:
            key = spreadsheet.duplicate_key(
                row.values["name"], row.values.get("institution", "")
            )
            if key in existing:
                duplicate = "Already in your log: skipped."
            elif key in first_line_of:
                duplicate = (
                    f"Same name and institution as row {first_line_of[key]}: skipped."
                )
            else:
                first_line_of[key] = row.number
        preview.append(
            {
                "row": row.number,
                "name": row.name,
                "institution": str(row.values.get("institution", ""))[:200],
                "values": _json_values(row.values),
                "problems": row.problems,
                "duplicate": duplicate,
            }
        )
    return preview


def contact_import_create(
    *, member: Member, filename: str, raw: bytes
) -> ContactImport:
    """Check an uploaded contacts CSV and keep the preview; writes no contact.
    A file that can't be imported at all is refused on the file field."""
    text, encoding = spreadsheet.decode(raw)
    file_errors, rows = spreadsheet.parse(text, _where_met_choices())
    if file_errors:
        raise ValidationError({"file": file_errors})
    with transaction.atomic():
        # One preview at a time: an older unconfirmed one is dropped.
        ContactImport.objects.filter(
            member=member, status=ContactImport.Status.PREVIEWED
        ).delete()
        return ContactImport.objects.create(
            member=member,
            filename=filename.replace("\x00", "")[:255],
            encoding=encoding,
            rows=_preview_rows(member, rows),
        )


def contact_import_confirm(*, job: ContactImport) -> ContactImport:
    """Write every new row of a clean preview in one transaction; rows that are
    duplicates now (added since the preview) are skipped, as the preview said.
    The import then keeps only its counts: the rows are contacts now."""
    with transaction.atomic():
        job = ContactImport.objects.select_for_update().filter(pk=job.pk).first()
        if job is None or job.is_expired():
            raise ValidationError(PREVIEW_GONE)
        if not job.can_confirm:
            raise ValidationError(
                "This file can't be imported: fix the rows listed and upload it again."
                if job.problem_rows
                else "Nothing to import."
            )
        Member.objects.select_for_update().filter(pk=job.member_id).first()
        existing = _existing_keys(job.member)
        now = timezone.now()
        new = []
        for entry in job.new_rows:
            values = dict(entry["values"])
            key = spreadsheet.duplicate_key(
                values["name"], values.get("institution", "")
            )
            if key in existing:
                continue
            existing[key] = values["name"]
            for field in ("last_contact_on", "follow_up_on"):
                if values.get(field):
                    values[field] = date.fromisoformat(values[field])
            contact = Contact(
                member=job.member, created_at=now, updated_at=now, **values
            )
            contact.full_clean(exclude=["member", "linked_member"])
            new.append(contact)
        Contact.objects.bulk_create(new, batch_size=500)
        job.status = ContactImport.Status.DONE
        job.imported = len(new)
        job.skipped = len(job.duplicate_rows) + len(job.new_rows) - len(new)
        job.rows = []
        job.file_errors = []
        job.save(update_fields=["status", "imported", "skipped", "rows", "file_errors"])
    return job


@transaction.atomic
def contact_imports_purge(*, now: datetime | None = None) -> int:
    """Delete every unconfirmed preview older than PREVIEW_KEPT_FOR (the uploaded
    rows with it); finished imports hold only counts and stay. A preview being
    confirmed this moment is locked and left to that confirm."""
    cutoff = (now or timezone.now()) - PREVIEW_KEPT_FOR
    stale = list(
        ContactImport.objects.filter(
            status=ContactImport.Status.PREVIEWED, created_at__lte=cutoff
        )
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)
    )
    deleted, _ = ContactImport.objects.filter(pk__in=stale).delete()
    return deleted
