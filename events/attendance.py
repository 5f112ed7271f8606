"""Who came and what they thought: check-in by an organiser or with the room's
code (with guests, and the member's stage and visa status of that day), and
feedback requested once after the event."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from events import rsvps
from events.models import (
    Attendance,
    Event,
    Feedback,
    Rsvp,
)
from imgportal.links import absolute_url
from members.actions import record
from members.models import Member, User
from notifications.models import Category
from notifications.outbox import email_members

CHECKIN_OPENS = timedelta(hours=2)  # before the start


CHECKIN_CLOSES = timedelta(hours=3)  # after the end


FEEDBACK_AFTER = timedelta(hours=1)  # after the end


FEEDBACK_WINDOW = timedelta(days=14)


def _guests_checked(event: Event, guests: int | None, rsvp: Rsvp | None) -> int:
    if guests is None:
        return rsvp.guests if rsvp is not None and rsvp.status in Rsvp.SEATED else 0
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
    rsvp = Rsvp.objects.filter(event=event, member=member).first()
    guests = _guests_checked(event, guests, rsvp)
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


def attendance_mark(
    *, event: Event, member: Member, by: User, guests: int | None = None
) -> Attendance:
    """An organiser marks someone present, with the guests who came (their
    RSVP's guests unless told otherwise); a second tap changes nothing but the
    guest count. Their stage and visa status of today go with it."""
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


def checkin_with_code(
    *, event: Event, member: Member, code: str, guests: int | None = None
) -> Attendance:
    """A member checks in with the code shown in the room (and their guests)."""
    now = timezone.now()
    if event.status != Event.Status.PUBLISHED:
        raise ValidationError({"code": ["This event isn't running."]})
    if now < event.starts_at - CHECKIN_OPENS:
        raise ValidationError({"code": ["Check-in opens two hours before the start."]})
    if now > event.ends_at + CHECKIN_CLOSES:
        raise ValidationError({"code": ["Check-in for this event has closed."]})
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
