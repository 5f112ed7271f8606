"""Reads of a member's own contacts log. Every function takes the member whose
log it is; views pass only the signed-in member, so another member's contact is
simply not found (404), for staff and superusers too."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db.models import CharField, F, Func, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from contacts.models import PREVIEW_KEPT_FOR, Contact, ContactImport
from members import selectors as member_selectors
from members.models import Member

SORTS = {
    "follow_up": (
        "Follow-up due (overdue first)",
        [F("follow_up_on").asc(nulls_last=True), Lower("name"), "pk"],
    ),
    "name": ("Name", [Lower("name"), "pk"]),
    "last_contact": (
        "Last contact (most recent first)",
        [F("last_contact_on").desc(nulls_last=True), Lower("name"), "pk"],
    ),
}
DEFAULT_SORT = "follow_up"


@dataclass(frozen=True)
class ContactFilter:
    q: str = ""
    tag: str = ""
    due: bool = False
    sort: str = DEFAULT_SORT


def contacts_of(member: Member) -> QuerySet[Contact]:
    """The member's own contacts, with what their rows show."""
    return Contact.objects.filter(member=member).select_related("linked_member__user")


def contact_of(member: Member, pk: int) -> Contact:
    """One of the member's own contacts (else Contact.DoesNotExist → 404)."""
    return contacts_of(member).get(pk=pk)


def contact_imports_of(member: Member) -> QuerySet[ContactImport]:
    """The member's own imports, a preview past its day left out (as good as
    deleted: the nightly purge takes it)."""
    cutoff = timezone.now() - PREVIEW_KEPT_FOR
    return ContactImport.objects.filter(member=member).exclude(
        status=ContactImport.Status.PREVIEWED, created_at__lte=cutoff
    )


def contacts_filtered(
    member: Member, wanted: ContactFilter, today: date
) -> QuerySet[Contact]:
    """The member's contacts as the list page filters and sorts them."""
    rows = contacts_of(member)
    if wanted.due:
        rows = rows.filter(follow_up_on__lte=today)
    if wanted.tag:
        rows = rows.filter(tags__contains=[wanted.tag])
    if wanted.q:
        rows = rows.filter(
            Q(name__icontains=wanted.q) | Q(institution__icontains=wanted.q)
        )
    return rows.order_by(*SORTS.get(wanted.sort, SORTS[DEFAULT_SORT])[1])


def follow_ups_due_count(member_id: int, today: date) -> int:
    """Contacts whose follow-up date has come (or passed): the navigation
    bar's badge, the same rows as the list's "Follow-up due" filter."""
    return Contact.objects.filter(member_id=member_id, follow_up_on__lte=today).count()


def tags_of(member: Member) -> list[str]:
    """Every tag the member uses, once each, in alphabetical order (one query)."""
    unnest = Func(F("tags"), function="unnest", output_field=CharField())
    return list(
        Contact.objects.filter(member=member)
        .annotate(tag=unnest)
        .values_list("tag", flat=True)
        .order_by("tag")
        .distinct()
    )


def linkable_members(member: Member, keep: int | None = None) -> QuerySet[Member]:
    """Who a contact may be linked to: approved members of the portal (never
    their visa status), the member themself left out. `keep`: the member a
    contact links to already, still listed if they left, so saving the contact
    unchanged keeps the link."""
    members = member_selectors.directory_for(member.user).exclude(pk=member.pk)
    if keep:
        members = members | Member.objects.filter(pk=keep).select_related("user")
    return members


def digest_follow_ups(member: Member, since) -> tuple[str, list[str]] | None:
    """The member's weekly digest: their follow-ups due in the coming week
    (or overdue), names only — what was discussed stays on the portal."""
    horizon = timezone.localdate() + timedelta(days=7)
    due = list(
        Contact.objects.filter(member=member, follow_up_on__lte=horizon).order_by(
            "follow_up_on", "name"
        )[:10]
    )
    if not due:
        return None
    lines = [f"{c.follow_up_on:%a %-d %b}: {c.name}" for c in due]
    lines.append(f"Your contacts: {settings.SITE_URL}/contacts/?due=1")
    return ("Your follow-ups", lines)
