"""Writes for the leadership board: posting, suggesting, approving and closing
openings; a member's shortlist; recording the role a member got; the deadline
reminders."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from leadership.models import Opening, OpeningRole, ShortlistEntry
from leadership.permissions import can_post
from members.actions import record
from members.models import LeadershipRole, Member
from members.models.member import active_q
from notifications.models import Category
from notifications.outbox import email_queue_template

# The advice: shortlist 3–5 realistic roles. Past this the page says so (and
# still saves: it's advice, not a rule).
SHORTLIST_ADVICE = 5
# One reminder per saved opening, this many days before its deadline.
REMINDER_DAYS = 7
# An opening's kind → the portfolio's kind of role.
PORTFOLIO_KIND = {
    Opening.Kind.CHIEF: LeadershipRole.Kind.CHIEF_RESIDENT,
    Opening.Kind.GME_REP: LeadershipRole.Kind.GME_COMMITTEE,
    Opening.Kind.CO_LEAD: LeadershipRole.Kind.IMG_CO_LEAD,
    Opening.Kind.COORDINATOR: LeadershipRole.Kind.EDUCATION,
}


def _check(opening: Opening, *, new: bool) -> None:
    today = timezone.localdate()
    errors = {}
    if new and opening.deadline is not None and opening.deadline < today:
        errors["deadline"] = ["The deadline has passed: choose today or a later day."]
    if opening.pgy_min and opening.pgy_max and opening.pgy_max < opening.pgy_min:
        errors["pgy_max"] = [
            f"“Up to PGY” must be PGY-{opening.pgy_min} or later (“from PGY”)."
        ]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def opening_save(*, opening: Opening, specialties=None, by) -> Opening:
    """Post or change an opening. From someone without the posting permission
    a new opening is a suggestion: it shows once a co-lead approves it."""
    new = opening.pk is None
    _check(opening, new=new)
    if new:
        opening.posted_by = by
        opening.status = (
            Opening.Status.OPEN if can_post(by) else Opening.Status.SUGGESTED
        )
        if opening.status == Opening.Status.OPEN:
            opening.published_at = timezone.now()
    opening.full_clean()
    opening.save()
    if specialties is not None:
        opening.specialties.set(specialties)
    record(actor=by, verb="created" if new else "changed", target=opening)
    return opening


@transaction.atomic
def opening_decide(*, opening: Opening, approve: bool, by) -> Opening:
    """A co-lead approves a member's suggestion (it shows) or declines it."""
    opening = Opening.objects.select_for_update().get(pk=opening.pk)
    if opening.status != Opening.Status.SUGGESTED:
        return opening  # decided already (a second click, or another co-lead)
    if approve and opening.is_past_deadline():
        raise ValidationError(
            {"deadline": ["Its deadline has passed: edit the deadline first."]}
        )
    opening.status = Opening.Status.OPEN if approve else Opening.Status.DECLINED
    if approve:
        opening.published_at = timezone.now()
    opening.save(update_fields=["status", "published_at", "updated_at"])
    record(actor=by, verb="published" if approve else "declined", target=opening)
    return opening


@transaction.atomic
def opening_close(*, opening: Opening, by, reopen: bool = False) -> Opening:
    """Close an opening (filled, or withdrawn) or open it again."""
    opening = Opening.objects.select_for_update().get(pk=opening.pk)
    want = Opening.Status.OPEN if reopen else Opening.Status.CLOSED
    if opening.status == want:
        return opening
    if opening.status not in (Opening.Status.OPEN, Opening.Status.CLOSED):
        raise ValidationError("Only a posted opening can be closed or opened again.")
    opening.status = want
    opening.save(update_fields=["status", "updated_at"])
    record(actor=by, verb="changed" if reopen else "closed", target=opening)
    return opening


def shortlist_save(
    *, member: Member, opening: Opening, note: str = ""
) -> ShortlistEntry:
    """Save an opening to the member's private shortlist (again: the note changes)."""
    if opening.status != Opening.Status.OPEN:
        raise ValidationError("This opening is closed: it can't be saved.")
    note = note.strip()
    if len(note) > 300:
        raise ValidationError({"note": ["Keep the note under 300 characters."]})
    try:
        with transaction.atomic():
            entry, _ = ShortlistEntry.objects.update_or_create(
                member=member, opening=opening, defaults={"note": note}
            )
    except IntegrityError:  # a double click saved it a moment ago
        entry = ShortlistEntry.objects.get(member=member, opening=opening)
        entry.note = note
        entry.save(update_fields=["note"])
    return entry


def shortlist_remove(*, member: Member, opening: Opening) -> None:
    ShortlistEntry.objects.filter(member=member, opening=opening).delete()


@transaction.atomic
def role_from_opening(
    *, member: Member, opening: Opening, start=None, by
) -> LeadershipRole:
    """ "I got it": the opening becomes a role in the member's portfolio, from
    today (or `start`); once (a second click returns the same role)."""
    Member.objects.select_for_update().get(pk=member.pk)  # two clicks at once
    existing = (
        OpeningRole.objects.filter(opening=opening, role__member=member)
        .select_related("role")
        .first()
    )
    if existing is not None:
        return existing.role
    place = opening.program.name if opening.program else ""
    title = opening.title if not place else f"{opening.title} ({place})"
    role = LeadershipRole(
        member=member,
        kind=PORTFOLIO_KIND.get(opening.kind, LeadershipRole.Kind.OTHER),
        title=title[:150],
        start=start or timezone.localdate(),
    )
    role.full_clean()
    role.save()
    OpeningRole.objects.create(opening=opening, role=role)
    ShortlistEntry.objects.filter(member=member, opening=opening).delete()
    record(actor=by, verb="created", target=role)
    return role


def deadline_reminders_send(*, today=None) -> int:
    """Daily: one email per saved opening whose deadline is within a week, to
    the member who saved it (their "leadership deadlines" preference decides);
    a moved deadline is reminded again (the date is in the outbox key)."""
    today = today or timezone.localdate()
    entries = (
        ShortlistEntry.objects.filter(
            active_q("member__"),
            opening__status=Opening.Status.OPEN,
            opening__deadline__gte=today,
            opening__deadline__lte=today + timedelta(days=REMINDER_DAYS),
        )
        .select_related("member__user", "opening")
        .order_by("pk")
    )
    queued = 0
    for entry in entries:
        opening = entry.opening
        with transaction.atomic():
            email_queue_template(
                # Member and opening, not the entry: unsaving and saving again
                # makes a new row but is the same reminder.
                key=(
                    f"leadership-deadline:{entry.member_id}:{opening.pk}:"
                    f"{opening.deadline}"
                ),
                to=entry.member.user.email,
                template_prefix="leadership/email/deadline",
                context={
                    "member": entry.member,
                    "opening": opening,
                    "note": entry.note,
                    "days": (opening.deadline - today).days,
                    "url": f"{settings.SITE_URL}{opening.get_absolute_url()}",
                },
                member=entry.member,
                category=Category.LEADERSHIP,
                stale_check={
                    "kind": "leadership_deadline",
                    "member_id": entry.member_id,
                    "opening_id": opening.pk,
                    "deadline": opening.deadline.isoformat(),
                },
            )
        queued += 1
    return queued


def reminder_still_true(
    *,
    deadline: str,
    member_id: int | None = None,
    opening_id: int | None = None,
    entry_id: int | None = None,
) -> bool:
    """At send time: still saved, still open, same deadline. Rows queued
    before reminders were keyed on member and opening name the entry."""
    if entry_id is not None:
        saved = {"pk": entry_id}
    else:
        saved = {"member_id": member_id, "opening_id": opening_id}
    return ShortlistEntry.objects.filter(
        **saved,
        opening__status=Opening.Status.OPEN,
        opening__deadline=deadline,
    ).exists()
