"""Copies and recurring series of events (issue 20, item 5).

"Copy this event" makes a draft with everything but the RSVPs, at a new date.
A series repeats an event by an RFC 5545 RRULE (weekly, monthly): each date
is an Event of its own, with its own RSVPs, capacity and check-in, created
up front (at most MAX_DATES). Dates keep the wall-clock time in the portal's
time zone across daylight-saving changes. Editing a date of a series changes
that date only, or that date and all later ones.
"""

from datetime import UTC, datetime
from itertools import islice

from dateutil import rrule as dateutil_rrule
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from events.models import Event, EventSeries, Panelist, Question, ReminderRule
from members.actions import record
from members.models import User

MAX_DATES = 52  # a year of weekly events
FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# What a copy or a later date of a series takes from its event.
COPIED_FIELDS = (
    "title",
    "kind",
    "description",
    "description_html",
    "place",
    "online_url",
    "capacity",
    "guests_allowed",
    "requires_approval",
    "visibility",
    "audience",
    "funding",
    "funding_source",
    "budget",
)
# What "this and all later dates" may carry over from an edit.
SERIES_FIELDS = tuple(f for f in COPIED_FIELDS if f != "description_html")


def rule_build(
    *,
    starts_at: datetime,
    frequency: str,
    interval: int,
    count: int | None = None,
    until=None,
) -> str:
    """An RRULE from the repeat form: weekly, monthly on the same weekday
    ("the 2nd Thursday"; a 5th weekday means the last), or monthly on the
    same day of the month."""
    local = timezone.localtime(starts_at)
    parts = []
    if frequency == "weekly":
        parts.append("FREQ=WEEKLY")
    elif frequency == "monthly_weekday":
        nth = (local.day - 1) // 7 + 1
        parts += [
            "FREQ=MONTHLY",
            f"BYDAY={-1 if nth == 5 else nth}{WEEKDAYS[local.weekday()]}",
        ]
    else:
        parts += ["FREQ=MONTHLY", f"BYMONTHDAY={local.day}"]
    if interval > 1:
        parts.append(f"INTERVAL={interval}")
    if count:
        parts.append(f"COUNT={count}")
    elif until:
        end = timezone.make_aware(datetime.combine(until, datetime.max.time()))
        parts.append(f"UNTIL={end.astimezone(UTC):%Y%m%dT%H%M%SZ}")
    return ";".join(parts)


def rule_dates(rule: str, starts_at: datetime) -> list[datetime]:
    """The starts a rule gives from `starts_at` (its first), refused with a
    message for the `rrule` field when it is not a rule, never ends, starts
    elsewhere or gives more than MAX_DATES."""
    text = rule.strip().upper()
    if text.startswith("RRULE:"):
        text = text[len("RRULE:") :]
    fields = dict(part.split("=", 1) for part in text.split(";") if "=" in part)
    if fields.get("FREQ") not in FREQUENCIES:
        raise ValidationError(
            {
                "rrule": [
                    "Start the rule with FREQ=WEEKLY or FREQ=MONTHLY "
                    "(or DAILY or YEARLY)."
                ]
            }
        )
    if "COUNT" not in fields and "UNTIL" not in fields:
        raise ValidationError(
            {"rrule": ["Say when it ends: COUNT=… dates or UNTIL=… a date."]}
        )
    local = timezone.localtime(starts_at)
    try:
        rule_set = dateutil_rrule.rrulestr(text, dtstart=local)
        dates = list(islice(iter(rule_set), MAX_DATES + 1))
    except (ValueError, TypeError, OverflowError) as exc:
        raise ValidationError(
            {"rrule": [f"That isn't a repeat rule this portal can read ({exc})."]}
        ) from None
    if len(dates) > MAX_DATES:
        raise ValidationError(
            {
                "rrule": [
                    f"This repeats more than {MAX_DATES} times: a series can have up "
                    f"to {MAX_DATES} dates (a year of weekly events). End it sooner."
                ]
            }
        )
    if len(dates) < 2:
        raise ValidationError(
            {"rrule": ["This gives one date only: nothing to repeat."]}
        )
    if dates[0] != local:
        raise ValidationError(
            {
                "rrule": [
                    f"The rule's first date ({dates[0]:%a %d %b %Y}) isn't this "
                    f"event's ({local:%a %d %b %Y}): make it match."
                ]
            }
        )
    # Wall-clock time kept: each date is made aware in the portal's zone again
    # (the offset after a daylight-saving change is that date's own).
    return [timezone.make_aware(d.replace(tzinfo=None)) for d in dates]


def _copy(event: Event, *, starts_at: datetime, by: User, status: str) -> Event:
    """A new event like `event` at `starts_at`: fields, organisers, panelists,
    reminders and registration questions; no RSVPs, check-ins or feedback."""
    shift = starts_at - event.starts_at
    now = timezone.now()
    copy = Event(
        **{name: getattr(event, name) for name in COPIED_FIELDS},
        starts_at=starts_at,
        ends_at=event.ends_at + shift,
        rsvp_deadline=event.rsvp_deadline + shift if event.rsvp_deadline else None,
        status=status,
        published_at=now if status == Event.Status.PUBLISHED else None,
        created_by=by,
        created_at=now,
        updated_at=now,
    )
    copy.save()
    copy.organisers.set(event.organisers.all())
    Panelist.objects.bulk_create(
        Panelist(event=copy, name=p.name, title=p.title, order=p.order)
        for p in event.panelists.all()
    )
    ReminderRule.objects.bulk_create(
        ReminderRule(event=copy, minutes_before=r.minutes_before, subject=r.subject)
        for r in event.reminders.all()
    )
    Question.objects.bulk_create(
        Question(
            event=copy,
            label=q.label,
            kind=q.kind,
            help_text=q.help_text,
            required=q.required,
            choices=q.choices,
            order=q.order,
        )
        for q in event.questions.all()
    )
    return copy


@transaction.atomic
def event_copy(*, event: Event, starts_at: datetime, by: User) -> Event:
    """ "Copy this event": a draft to check and publish (its own announcement)."""
    if starts_at <= timezone.now():
        raise ValidationError({"starts_at": ["Choose a date in the future."]})
    copy = _copy(event, starts_at=starts_at, by=by, status=Event.Status.DRAFT)
    record(actor=by, verb="created", target=copy, copied_from=event.pk)
    return copy


@transaction.atomic
def series_create(*, event: Event, rule: str, by: User) -> EventSeries:
    """Repeat `event` by `rule`: it becomes the series' first date and each
    later date a copy with the same status. A published series is announced
    once, by its first date; the later dates appear on the calendar without
    another email each."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.series_id:
        raise ValidationError({"rrule": ["This event already repeats."]})
    if event.status == Event.Status.CANCELLED or event.has_started():
        raise ValidationError(
            {"rrule": ["Only an event still to come, not cancelled, can repeat."]}
        )
    dates = rule_dates(rule, event.starts_at)
    series = EventSeries.objects.create(
        rrule=rule.strip().upper().removeprefix("RRULE:"),
        dtstart=event.starts_at,
        created_by=by,
    )
    event.series, event.recurrence_id = series, event.starts_at
    event.save(update_fields=["series", "recurrence_id"])
    for starts_at in dates[1:]:
        copy = _copy(event, starts_at=starts_at, by=by, status=event.status)
        copy.series, copy.recurrence_id = series, starts_at
        copy.save(update_fields=["series", "recurrence_id"])
    record(actor=by, verb="created", target=event, series=series.pk, dates=len(dates))
    return series


def later_dates(event: Event):
    """The dates of `event`'s series after it, not cancelled."""
    if not event.series_id:
        return Event.objects.none()
    return (
        Event.objects.filter(series_id=event.series_id, starts_at__gt=event.starts_at)
        .exclude(status=Event.Status.CANCELLED)
        .order_by("starts_at")
    )


def series_apply_later(
    *,
    before: Event,
    event: Event,
    changed: list[str],
    panelists,
    organisers,
    by: User,
) -> int:
    """After `event` (a date of a series, saved) changed from `before`: the
    same changes on every later date, each saved as its own edit (its people
    hear about what moved). A new time moves each later date by as much."""
    from events import services

    shift_start = event.starts_at - before.starts_at
    shift_end = event.ends_at - before.ends_at
    fields = [f for f in SERIES_FIELDS if getattr(before, f) != getattr(event, f)]
    if "description" in fields:
        fields.append("description_html")
    updated = 0
    for later in list(later_dates(before).exclude(pk=event.pk)):
        for name in fields:
            setattr(later, name, getattr(event, name))
        later.starts_at += shift_start
        later.ends_at += shift_end
        if later.rsvp_deadline and shift_start:
            later.rsvp_deadline += shift_start
        services.event_save(
            event=later,
            by=by,
            panelists=panelists if "panelists" in changed else None,
            organisers=organisers if "organisers" in changed else None,
        )
        updated += 1
    return updated
