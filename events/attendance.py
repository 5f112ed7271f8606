"""Who came and what they thought: check-in by an organiser or with the room's
code (with guests, and the member's stage and visa status of that day), and
feedback requested once after the event."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.formats import date_format

from events import rsvps
from events.codes import PERSONAL_CODE, signature
from events.models import (
    Attendance,
    Event,
    Feedback,
    Guest,
    Rsvp,
)
from imgportal.links import absolute_url
from members.actions import record
from members.models import Member, User
from notifications.models import Category
from notifications.outbox import email_members

CHECKIN_OPENS = timedelta(hours=2)  # before the start


CHECKIN_CLOSES = timedelta(hours=3)  # after the end (members' own check-in)


FEEDBACK_AFTER = timedelta(hours=1)  # after the end


FEEDBACK_WINDOW = timedelta(days=14)


def _guests_checked(event: Event, guests: int | None, rsvp: Rsvp | None) -> int:
    if guests is None:
        if rsvp is None or rsvp.status not in Rsvp.SEATED:
            return 0
        named = list(rsvp.guest_list.all())
        if named:
            # Named guests are checked in one by one: count those who are here.
            return sum(1 for g in named if g.checked_in_at is not None)
        return rsvp.guests
    if not 0 <= guests <= event.guests_allowed:
        raise ValidationError(
            {
                "guests": [
                    f"This event allows up to {event.guests_allowed} "
                    f"guest{'s' if event.guests_allowed != 1 else ''} per member."
                    if event.guests_allowed
                    else "This event is for members only."
                ]
            }
        )
    return guests


def _attendance_record(
    *, event: Event, member: Member, method: str, guests: int | None
) -> Attendance:
    rsvp = (
        Rsvp.objects.filter(event=event, member=member)
        .prefetch_related("guest_list")
        .first()
    )
    counted = guests
    guests = _guests_checked(event, guests, rsvp)
    if counted is not None and rsvp is not None:
        _named_guests_here(rsvp, guests)
    attendance = Attendance.objects.filter(event=event, member=member).first()
    if attendance is None:
        attendance, created = Attendance.objects.get_or_create(
            event=event,
            member=member,
            defaults={"method": method, "guests": guests, **rsvps.as_of_today(member)},
        )
        if created:
            return attendance
    if attendance.guests != guests:
        attendance.guests = guests
        attendance.save(update_fields=["guests"])
    return attendance


def _named_guests_here(rsvp: Rsvp, count: int) -> None:
    """A count of guests given for a member with named guests: the first
    `count` of them are here, the rest are not."""
    now = timezone.now()
    for index, guest in enumerate(rsvp.guest_list.all()):
        here = index < count
        if here != (guest.checked_in_at is not None):
            guest.checked_in_at = now if here else None
            guest.save(update_fields=["checked_in_at"])


def attendance_mark(
    *, event: Event, member: Member, by: User, guests: int | None = None
) -> Attendance:
    """An organiser marks someone present, with the guests who came (their
    RSVP's guests unless told otherwise); a second tap changes nothing but the
    guest count. Their stage and visa status of today go with it. Refused
    outside the check-in window (`checkin_refusal`)."""
    if reason := checkin_refusal(event, by_member=False):
        raise ValidationError(reason)
    before = (
        Attendance.objects.filter(event=event, member=member)
        .values_list("guests", flat=True)
        .first()
    )
    attendance = _attendance_record(
        event=event, member=member, method=Attendance.Method.ORGANISER, guests=guests
    )
    if before != attendance.guests:
        record(
            actor=by,
            verb="checked_in",
            target=event,
            member=member.pk,
            guests=attendance.guests,
        )
    return attendance


def attendance_unmark(*, event: Event, member: Member, by: User) -> None:
    deleted, _ = Attendance.objects.filter(event=event, member=member).delete()
    if deleted:
        record(actor=by, verb="check_in_undone", target=event, member=member.pk)


def guest_check(*, guest: Guest, present: bool, by: User) -> Guest:
    """An organiser checks one named guest in (or undoes it); the member's
    check-in, when there is one, counts the guests who are here."""
    with transaction.atomic():
        guest = (
            Guest.objects.select_for_update().select_related("rsvp").get(pk=guest.pk)
        )
        if present == (guest.checked_in_at is not None):
            return guest  # a second tap changes nothing
        if present and (reason := checkin_refusal(guest.rsvp.event, by_member=False)):
            raise ValidationError(reason)
        guest.checked_in_at = timezone.now() if present else None
        guest.save(update_fields=["checked_in_at"])
        rsvp = guest.rsvp
        here = rsvp.guest_list.filter(checked_in_at__isnull=False).count()
        Attendance.objects.filter(
            event_id=rsvp.event_id, member_id=rsvp.member_id
        ).update(guests=here)
        record(
            actor=by,
            verb="checked_in" if present else "check_in_undone",
            target=rsvp.event,
            member=rsvp.member_id,
            guest=guest.pk,
        )
    return guest


def rsvp_for_code(*, event: Event, code: str) -> Rsvp:
    """The RSVP a personal code names, for this event and still going; else a
    message for the code field."""
    text = "".join((code or "").split()).upper()
    match = PERSONAL_CODE.fullmatch(text)
    if match is None:
        raise ValidationError(
            {"code": ["That isn't a check-in code: they look like 4821-K7MP2Q."]}
        )
    rsvp = (
        Rsvp.objects.select_related("event", "member__user")
        .prefetch_related("guest_list", "answers")
        .filter(pk=int(match[1]))
        .first()
    )
    if rsvp is None or not constant_time_compare(
        match[2], signature(rsvp.pk, rsvp.event_id, rsvp.member_id)
    ):
        raise ValidationError(
            {"code": ["That code isn't genuine: check it against the member's email."]}
        )
    if rsvp.event_id != event.pk:
        raise ValidationError(
            # Not which one: it may be for one visa status only, and the person
            # at the door may be a resident organiser who can't know visa status.
            {"code": ["That code is for another event."]}
        )
    if rsvp.status not in Rsvp.SEATED:
        name = rsvp.member.listed_name
        raise ValidationError(
            {
                "code": [
                    f"{name} is on the waitlist, without a seat."
                    if rsvp.status == Rsvp.Status.WAITLIST
                    else f"{name}'s request is waiting for approval, without a seat."
                    if rsvp.status == Rsvp.Status.PENDING
                    else f"{name}'s request was declined: the code no longer works."
                    if rsvp.status == Rsvp.Status.REFUSED
                    else f"{name} cancelled their RSVP: the code no longer works."
                ]
            }
        )
    return rsvp


def checkin_refusal(event: Event, *, by_member: bool, now=None) -> str | None:
    """Why nobody can check in to this event now, or None: the one window for
    every check-in. It opens CHECKIN_OPENS before the start, for a published
    event only. A member's own check-in closes CHECKIN_CLOSES after the end;
    an organiser's stays open, to enter a paper sign-in sheet afterwards."""
    now = now or timezone.now()
    if event.status == Event.Status.CANCELLED:
        return "This event was cancelled: nobody can check in."
    if event.status != Event.Status.PUBLISHED:
        return "This event isn't published: nobody can check in."
    opens = event.starts_at - CHECKIN_OPENS
    if now < opens:
        return (
            "Check-in opens two hours before the start: "
            f"{date_format(timezone.localtime(opens), 'DATETIME_FORMAT')}."
        )
    if by_member and now > event.ends_at + CHECKIN_CLOSES:
        return "Check-in for this event has closed."
    return None


def checkin_by_personal_code(*, event: Event, code: str, by: User):
    """The organiser scans or types a member's code: the member is checked in
    (guests are checked in one by one on the same screen), from when check-in
    opens (and after the event too). Returns the RSVP, the attendance and
    whether it was there already."""
    if reason := checkin_refusal(event, by_member=False):
        raise ValidationError({"code": [reason]})
    rsvp = rsvp_for_code(event=event, code=code)
    before = Attendance.objects.filter(event=event, member=rsvp.member).first()
    if before is not None:
        return rsvp, before, True
    attendance = attendance_mark(event=event, member=rsvp.member, by=by)
    return rsvp, attendance, False


def checkin_with_code(
    *, event: Event, member: Member, code: str, guests: int | None = None
) -> Attendance:
    """A member checks in with the code shown in the room (and their guests)."""
    if reason := checkin_refusal(event, by_member=True):
        raise ValidationError({"code": [reason]})
    if code.strip().upper() != event.checkin_code:
        raise ValidationError({"code": ["That code isn't right for this event."]})
    return _attendance_record(
        event=event, member=member, method=Attendance.Method.CODE, guests=guests
    )


def feedback_requests_send(*, now=None) -> int:
    """Beat: after an event, ask each attendee once for a rating and comment."""
    now = now or timezone.now()
    queued = 0
    due = Event.objects.filter(
        status=Event.Status.PUBLISHED,
        feedback_requested_at__isnull=True,
        ends_at__lte=now - FEEDBACK_AFTER,
        ends_at__gte=now - FEEDBACK_WINDOW,
    )
    for event in due:
        with transaction.atomic():
            claimed = Event.objects.filter(
                pk=event.pk, feedback_requested_at__isnull=True
            ).update(feedback_requested_at=now)
            if not claimed:
                continue
            queued += email_members(
                Member.objects.filter(attendances__event=event).select_related("user"),
                key=f"event-feedback:{event.pk}",
                template_prefix="events/email/feedback_request",
                context={
                    "event": event,
                    "feedback_url": absolute_url(
                        reverse("events:feedback", args=[event.pk])
                    ),
                },
                category=Category.EVENT_REMINDERS,
            )
    return queued


def feedback_submit(
    *, event: Event, member: Member, rating: int, comment: str
) -> Feedback:
    """An attendee's rating (1–5) and comment; sending again replaces it."""
    if not event.has_ended():
        raise ValidationError("Feedback opens when the event is over.")
    if not Attendance.objects.filter(event=event, member=member).exists():
        raise ValidationError("Only people who came can give feedback.")
    feedback, _ = Feedback.objects.update_or_create(
        event=event,
        member=member,
        defaults={"rating": rating, "comment": comment, "submitted_at": timezone.now()},
    )
    return feedback
