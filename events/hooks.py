"""What events hold about a member: RSVPs, check-ins, feedback, their feed."""

from django.core.exceptions import ValidationError
from django.utils import timezone

from events.models import (
    Answer,
    Attendance,
    CalendarFeed,
    Event,
    EventMessage,
    Feedback,
    Guest,
    ReminderSent,
    Rsvp,
)
from events.selectors import digest_events, portfolio_entries
from events.services import event_still_open, reminder_still_true
from imgportal.hooks import DIGEST_SECTIONS, PORTFOLIO_ENTRIES, STALE_CHECKS
from imgportal.personal_data import PersonalData, personal_data_register


def export(member) -> dict[str, object]:
    feed = CalendarFeed.objects.filter(member=member).first()
    return {
        "event_rsvps": list(
            Rsvp.objects.filter(member=member)
            .order_by("event__starts_at")
            .values(
                "event__title",
                "event__starts_at",
                "status",
                "guests",
                "training_stage",
                "visa_status",
            )
        ),
        "event_answers": list(
            Answer.objects.filter(rsvp__member=member)
            .order_by("rsvp__event__starts_at", "question__order")
            .values("rsvp__event__title", "question__label", "value")
        ),
        "event_guests": list(
            Guest.objects.filter(rsvp__member=member)
            .order_by("rsvp__event__starts_at", "order")
            .values("rsvp__event__title", "name", "age", "checked_in_at")
        ),
        "event_attendance": list(
            Attendance.objects.filter(member=member)
            .order_by("checked_in_at")
            .values(
                "event__title",
                "method",
                "checked_in_at",
                "guests",
                "training_stage",
                "visa_status",
            )
        ),
        "event_feedback": list(
            Feedback.objects.filter(member=member)
            .order_by("submitted_at")
            .values("event__title", "rating", "comment", "submitted_at")
        ),
        "events_you_organise": list(
            Event.objects.filter(organisers=member)
            .order_by("starts_at")
            .values("title", "starts_at", "status")
        ),
        "event_messages_you_sent": list(
            EventMessage.objects.filter(sent_by=member.user)
            .order_by("sent_at")
            .values("event__title", "subject", "body", "groups", "sent_at")
        ),
        "calendar_feed": {
            "turned_on_at": feed.created_at if feed else None,
            "private_deadlines_feed_on": bool(feed and feed.private_token),
            "calendar_alarm_minutes": feed.alarm_minutes if feed else None,
        },
    }


def erase(member) -> None:
    """Seats at events still to come are given back (the waitlist moves up);
    registration answers are deleted and guests' names blanked;
    past RSVPs and check-ins stay, without a name, for the funding report;
    feedback keeps its rating without the comment; the private feed goes."""
    from events import rsvps

    upcoming = Rsvp.objects.filter(
        member=member,
        status__in=[*Rsvp.SEATED, Rsvp.Status.WAITLIST],
        event__status=Event.Status.PUBLISHED,
        event__starts_at__gt=timezone.now(),
    ).select_related("event")
    for rsvp in upcoming:
        try:
            rsvps.rsvp_no(event=rsvp.event, member=member)
        except ValidationError:
            continue  # started or closed meanwhile: nothing to give back
    # Answers (dietary, accessibility…) and guests' names name people or
    # their needs: they go; the seat counts stay for the report.
    Answer.objects.filter(rsvp__member=member).delete()
    Guest.objects.filter(rsvp__member=member).update(name="")
    Feedback.objects.filter(member=member).update(comment="")
    CalendarFeed.objects.filter(member=member).delete()
    ReminderSent.objects.filter(member=member).delete()


def register() -> None:
    STALE_CHECKS.register("events", "event_reminder", reminder_still_true)
    STALE_CHECKS.register("events", "event_open", event_still_open)
    DIGEST_SECTIONS.register("events", "events", digest_events)
    PORTFOLIO_ENTRIES.register("events", "portfolio", portfolio_entries)
    personal_data_register(
        PersonalData(
            app="events",
            models=(
                "events.Rsvp",
                "events.Answer",
                "events.Guest",
                "events.Attendance",
                "events.Feedback",
                "events.CalendarFeed",
                "events.ReminderSent",  # bookkeeping only: erased, not exported
                # Organisers and authors stay on events, shown as "Deleted member";
                # so do the messages organisers sent to attendees.
                "events.Event",
                "events.EventMessage",
                "events.EventSeries",
            ),
            export=export,
            erase=erase,
        )
    )
