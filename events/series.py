"""Copies and recurring series of events (issue 20, item 5).

"Copy this event" makes a draft with everything but the RSVPs, at a new date.
A series repeats an event by an RFC 5545 RRULE (weekly, monthly): each date
is an Event of its own, with its own RSVPs, capacity and check-in, created
up front (at most MAX_DATES, and no further than HORIZON_YEARS after the
first). Dates keep the wall-clock time in the portal's time zone across
daylight-saving changes. Editing a date of a series (its details, its
registration questions, its reminders) changes that date only, or that date
and the later ones still to come. A series is announced once: by the first
publish of any of its dates (services.event_publish).
"""

import calendar
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time

from dateutil import rrule as dateutil_rrule
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from events.models import Event, EventSeries, Panelist, Question, ReminderRule
from members.actions import record
from members.models import User

MAX_DATES = 52  # a year of weekly events
HORIZON_YEARS = 2  # how far ahead of its first date a series may run
FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# The RRULE parts this portal reads (RFC 5545 3.3.10). The time of day is the
# event's own, so BYHOUR, BYMINUTE and BYSECOND are not among them.
RULE_PARTS = (
    "FREQ",
    "INTERVAL",
    "COUNT",
    "UNTIL",
    "BYDAY",
    "BYMONTHDAY",
    "BYMONTH",
    "BYSETPOS",
    "WKST",
)
_BYDAY = re.compile(r"([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)")
# RFC 5545: with a DTSTART in a time zone, UNTIL is a UTC date-time.
_UNTIL = re.compile(r"\d{8}T\d{6}Z")
# The last wall-clock minute there is (local, as the expansion reckons).
_LAST = datetime.combine(date.max, time(23, 59))
_FIRST = datetime.min  # noqa: DTZ901 - wall-clock time, as _LAST
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
        try:
            parts.append(f"UNTIL={end.astimezone(UTC):%Y%m%dT%H%M%SZ}")
        except OverflowError:  # the last day there is: past any horizon anyway
            parts.append("UNTIL=99991231T235959Z")
    return ";".join(parts)


def _rule_error(message: str) -> ValidationError:
    return ValidationError({"rrule": [message]})


def _unreadable(detail: str) -> ValidationError:
    return _rule_error(f"That isn't a repeat rule this portal can read ({detail}).")


@dataclass(frozen=True)
class _Rule:
    """A parsed RRULE; `until` is wall-clock time in the portal's zone."""

    freq: str
    interval: int = 1
    count: int | None = None
    until: datetime | None = None
    weekdays: frozenset = frozenset()  # 0 is Monday
    nth_weekdays: frozenset = frozenset()  # (weekday, n): 2TH, -1FR
    monthdays: frozenset = frozenset()  # 14, or -1 for the last
    months: frozenset = frozenset()
    setpos: tuple = ()
    wkst: int = 0


def _numbers(name: str, value: str, high: int) -> list[int]:
    """A list like 14,-1: each a whole number, 1 to `high` either way."""
    try:
        numbers = [int(v) for v in value.split(",")]
    except ValueError:
        raise _unreadable(f"{name}={value}") from None
    if any(n == 0 or abs(n) > high for n in numbers):
        raise _unreadable(f"{name}={value}")
    return numbers


def _parse(fields: dict[str, str], local: datetime) -> _Rule:
    """The rule's parts, each checked; refused with the part to fix."""
    unknown = [name for name in fields if name not in RULE_PARTS]
    if unknown:
        raise _rule_error(
            "This portal reads FREQ, INTERVAL, COUNT, UNTIL, BYDAY, BYMONTHDAY, "
            f"BYMONTH, BYSETPOS and WKST: take out {', '.join(unknown)} (each "
            "date starts at the event's own time)."
        )
    if "COUNT" in fields and "UNTIL" in fields:
        raise _rule_error("Give COUNT=… or UNTIL=…, not both.")
    freq = fields["FREQ"]
    parts: dict = {"freq": freq}
    for name in ("INTERVAL", "COUNT"):
        if name in fields:
            value = fields[name]
            # isascii: "²" is a digit to str.isdigit but not to int().
            if not (value.isascii() and value.isdigit()) or int(value) < 1:
                raise _unreadable(f"{name}={value}")
            parts[name.lower()] = int(value)
    if "UNTIL" in fields:
        value = fields["UNTIL"]
        if not _UNTIL.fullmatch(value):
            raise _unreadable(f"UNTIL={value}: give a UTC time like 20271231T235959Z")
        try:
            until = datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        except ValueError:
            raise _unreadable(f"UNTIL={value}") from None
        try:
            parts["until"] = timezone.localtime(until).replace(tzinfo=None)
        except OverflowError:  # the year 1 or 9999 in the portal's zone
            parts["until"] = _LAST if until.year > 1 else _FIRST
    if "BYDAY" in fields:
        plain, nth = set(), set()
        for item in fields["BYDAY"].split(","):
            found = _BYDAY.fullmatch(item)
            if not found:
                raise _unreadable(f"BYDAY={fields['BYDAY']}")
            weekday = WEEKDAYS.index(found.group(2))
            if found.group(1) is None:
                plain.add(weekday)
                continue
            n = int(found.group(1))
            if n == 0 or abs(n) > 53:
                raise _unreadable(f"BYDAY={fields['BYDAY']}")
            if freq not in ("MONTHLY", "YEARLY"):
                raise _rule_error(
                    "A number before a weekday (BYDAY=2TH) works with "
                    "FREQ=MONTHLY or FREQ=YEARLY only."
                )
            nth.add((weekday, n))
        if plain and nth:
            # RFC 5545 means either; dateutil (and so our calendar file) would
            # ask for both at once. Refused rather than read two ways.
            raise _rule_error(
                "Use weekdays (BYDAY=MO,TH) or numbered weekdays (BYDAY=2TH), not both."
            )
        parts["weekdays"], parts["nth_weekdays"] = frozenset(plain), frozenset(nth)
    if "BYMONTHDAY" in fields:
        parts["monthdays"] = frozenset(_numbers("BYMONTHDAY", fields["BYMONTHDAY"], 31))
    if "BYMONTH" in fields:
        months = _numbers("BYMONTH", fields["BYMONTH"], 12)
        if any(m < 0 for m in months):
            raise _unreadable(f"BYMONTH={fields['BYMONTH']}")
        parts["months"] = frozenset(months)
    if "BYSETPOS" in fields:
        parts["setpos"] = tuple(_numbers("BYSETPOS", fields["BYSETPOS"], 366))
    if "WKST" in fields:
        if fields["WKST"] not in WEEKDAYS:
            raise _unreadable(f"WKST={fields['WKST']}")
        parts["wkst"] = WEEKDAYS.index(fields["WKST"])
    rule = _Rule(**parts)
    # As RFC 5545 (and dateutil) read a rule with no day of its own: the
    # first date's weekday, day of the month, or day of the year.
    if not (rule.weekdays or rule.nth_weekdays or rule.monthdays):
        if freq == "WEEKLY":
            rule = replace(rule, weekdays=frozenset({local.weekday()}))
        elif freq == "MONTHLY":
            rule = replace(rule, monthdays=frozenset({local.day}))
        elif freq == "YEARLY":
            rule = replace(
                rule,
                monthdays=frozenset({local.day}),
                months=rule.months or frozenset({local.month}),
            )
    return rule


def _periods(rule: _Rule, start: date, last: date):
    """The days of each period of the rule (a day, week, month or year,
    every INTERVAL of them) that begins by `last`: never further."""
    step, end = rule.interval, last.toordinal()
    if rule.freq == "DAILY":
        for ordinal in range(start.toordinal(), end + 1, step):
            yield [date.fromordinal(ordinal)]
    elif rule.freq == "WEEKLY":
        # The first week runs from the first date to the week's end (as
        # dateutil reads it); each later one from WKST, seven days.
        week = start.toordinal() - (start.weekday() - rule.wkst) % 7
        yield [
            date.fromordinal(o)
            for o in range(start.toordinal(), min(week + 7, end + 1))
        ]
        for monday in range(week + 7 * step, end + 1, 7 * step):
            yield [
                date.fromordinal(o)
                for o in range(monday, monday + 7)
                if o <= date.max.toordinal()
            ]
    elif rule.freq == "MONTHLY":
        months_end = last.year * 12 + last.month - 1
        for index in range(start.year * 12 + start.month - 1, months_end + 1, step):
            year, month = divmod(index, 12)
            length = calendar.monthrange(year, month + 1)[1]
            yield [date(year, month + 1, d) for d in range(1, length + 1)]
    else:
        for year in range(start.year, last.year + 1, step):
            first = date(year, 1, 1).toordinal()
            yield [
                date.fromordinal(first + n) for n in range(365 + calendar.isleap(year))
            ]


def _nth_weekday(rule: _Rule, day: date) -> bool:
    """Is `day` one of the rule's numbered weekdays (2TH: the second Thursday
    of its month, or of its year for a yearly rule without BYMONTH)?"""
    if rule.freq == "YEARLY" and not rule.months:
        first, last = date(day.year, 1, 1), date(day.year, 12, 31)
    else:
        length = calendar.monthrange(day.year, day.month)[1]
        first, last = day.replace(day=1), day.replace(day=length)
    for weekday, n in rule.nth_weekdays:
        if day.weekday() != weekday:
            continue
        if n > 0:
            target = first.toordinal() + (n - 1) * 7 + (weekday - first.weekday()) % 7
        else:
            target = last.toordinal() + (n + 1) * 7 - (last.weekday() - weekday) % 7
        if target == day.toordinal():
            return True
    return False


def _chosen(rule: _Rule, days: list[date]) -> list[date]:
    """The days of one period the rule picks (BYSETPOS last, on what is left)."""
    kept = []
    for day in days:
        if rule.months and day.month not in rule.months:
            continue
        if rule.weekdays and day.weekday() not in rule.weekdays:
            continue
        if rule.nth_weekdays and not _nth_weekday(rule, day):
            continue
        if rule.monthdays:
            length = calendar.monthrange(day.year, day.month)[1]
            if day.day not in rule.monthdays and day.day - length - 1 not in (
                rule.monthdays
            ):
                continue
        kept.append(day)
    if not rule.setpos:
        return kept
    picked = {
        kept[pos - 1 if pos > 0 else pos]
        for pos in rule.setpos
        if -len(kept) <= (pos - 1 if pos > 0 else pos) < len(kept)
    }
    return sorted(picked)


def _horizon(first: datetime) -> datetime:
    """HORIZON_YEARS after `first` (28 Feb for 29 Feb), or the last day there is."""
    try:
        return first.replace(year=first.year + HORIZON_YEARS)
    except ValueError:
        try:
            return first.replace(year=first.year + HORIZON_YEARS, day=28)
        except ValueError:
            return _LAST


def _expand(rule: _Rule, first: datetime, horizon: datetime):
    """The rule's starts from `first` up to `horizon` (MAX_DATES + 1 at most),
    and whether the rule has ended by then. Bounded by the horizon, not by
    the dates found: a rule that matches nothing stops there too."""
    dates: list[datetime] = []
    for days in _periods(rule, first.date(), horizon.date()):
        for day in _chosen(rule, days):
            when = datetime.combine(day, first.time())
            if when < first:
                continue
            if rule.until is not None and when > rule.until:
                return dates, True
            if when > horizon:
                return dates, False
            dates.append(when)
            if len(dates) == rule.count:
                return dates, True
            if len(dates) > MAX_DATES:
                return dates, False
    return dates, rule.until is not None and rule.until <= horizon


def normalised_rule(rule: str) -> str:
    """The rule as stored and put in calendar files: upper case, no "RRULE:",
    no blank parts or spaces around them ("FREQ=WEEKLY ;; COUNT=3" is
    "FREQ=WEEKLY;COUNT=3", which every calendar program reads)."""
    text = rule.strip().upper().removeprefix("RRULE:")
    return ";".join(part.strip() for part in text.split(";") if part.strip())


def rule_dates(rule: str, starts_at: datetime) -> list[datetime]:
    """The starts a rule gives from `starts_at` (its first), refused with a
    message for the `rrule` field when it is not a rule, never ends, starts
    elsewhere, gives more than MAX_DATES or runs past HORIZON_YEARS ahead.

    The dates are worked out here, period by period up to the horizon, not by
    dateutil: its iterator walks on to the year 9999 looking for a date a rule
    like FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30 never gives (seconds of CPU)."""
    text = normalised_rule(rule)
    parts = text.split(";") if text else []
    fields = dict(part.split("=", 1) for part in parts if "=" in part)
    if fields.get("FREQ") not in FREQUENCIES:
        raise ValidationError(
            {
                "rrule": [
                    "Start the rule with FREQ=WEEKLY or FREQ=MONTHLY "
                    "(or DAILY or YEARLY)."
                ]
            }
        )
    if bare := [part for part in parts if "=" not in part]:
        raise _unreadable(f"{bare[0]}: each part is NAME=value, as in COUNT=6")
    if "COUNT" not in fields and "UNTIL" not in fields:
        raise ValidationError(
            {"rrule": ["Say when it ends: COUNT=… dates or UNTIL=… a date."]}
        )
    local = timezone.localtime(starts_at)
    parsed = _parse(fields, local)
    try:
        # Read by dateutil too (building it walks nothing): the series'
        # calendar file hands the rule to it, and to calendar programs.
        dateutil_rrule.rrulestr(text, dtstart=local)
    except (ValueError, TypeError, OverflowError) as exc:
        raise _unreadable(str(exc)) from None
    first = local.replace(tzinfo=None)
    if parsed.until is not None and parsed.until < first:
        raise _rule_error(
            f"The rule ends (UNTIL={fields['UNTIL']}) before this event's first "
            f"date, {local:%a %-d %b %Y}: give a later end."
        )
    horizon = _horizon(first)
    dates, ended = _expand(parsed, first, horizon)
    if len(dates) > MAX_DATES:
        raise ValidationError(
            {
                "rrule": [
                    f"This repeats more than {MAX_DATES} times: a series can have up "
                    f"to {MAX_DATES} dates (a year of weekly events). End it sooner."
                ]
            }
        )
    if not ended:
        raise _rule_error(
            f"A series can run up to {HORIZON_YEARS} years ahead: this rule "
            f"doesn't end by {horizon:%a %-d %b %Y}. End it by then (fewer "
            "dates, or an earlier end)."
        )
    if len(dates) < 2:
        raise ValidationError(
            {"rrule": ["This gives one date only: nothing to repeat."]}
        )
    if dates[0] != first:
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
    return [timezone.make_aware(d) for d in dates]


def _copy(event: Event, *, starts_at: datetime, by: User, status: str) -> Event:
    """A new event like `event` at `starts_at`: fields, organisers, panelists,
    reminders and registration questions; no RSVPs, check-ins or feedback."""
    shift = starts_at - event.starts_at
    now = timezone.now()
    try:
        ends_at = event.ends_at + shift
        deadline = event.rsvp_deadline + shift if event.rsvp_deadline else None
        # Stored in UTC: the end must still be a date there is.
        ends_at.astimezone(UTC)
    except OverflowError:
        raise ValidationError(
            {"starts_at": ["Choose an earlier date: this one ends past the year 9999."]}
        ) from None
    copy = Event(
        **{name: getattr(event, name) for name in COPIED_FIELDS},
        starts_at=starts_at,
        ends_at=ends_at,
        rsvp_deadline=deadline,
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
    later date a copy with the same status. A published series was
    announced by its first date; the later dates appear on the calendar
    without another email each. A draft series is announced once, when the
    first of its dates is published (with the others, or on its own)."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.series_id:
        raise ValidationError({"rrule": ["This event already repeats."]})
    if event.status == Event.Status.CANCELLED or event.has_started():
        raise ValidationError(
            {"rrule": ["Only an event still to come, not cancelled, can repeat."]}
        )
    dates = rule_dates(rule, event.starts_at)
    series = EventSeries.objects.create(
        rrule=normalised_rule(rule),
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


@dataclass
class PublishPlan:
    """What publishing a draft date of a series does: the dates it publishes
    (the date first), whether it announces the series, and when it was."""

    dates: list[Event]
    announce: bool
    announced_at: datetime | None
    other_audience: int  # later drafts left alone: they have their own audience


def publish_plan(event: Event, *, all_dates: bool, lock: bool = False) -> PublishPlan:
    """A series is announced once: by the first publish of any of its dates,
    in one email naming every date published then. `all_dates` takes the
    series' other drafts still to come with the same audience along."""
    if not event.series_id:
        return PublishPlan([event], True, None, 0)
    dates = Event.objects.filter(series_id=event.series_id)
    announced_at = (
        dates.filter(published_at__isnull=False)
        .exclude(pk=event.pk)
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )
    drafts = (
        dates.filter(status=Event.Status.DRAFT, starts_at__gt=timezone.now())
        .exclude(pk=event.pk)
        .order_by("starts_at")
    )
    if lock:
        drafts = drafts.select_for_update()
    others = list(drafts)
    same = [d for d in others if d.audience == event.audience]
    return PublishPlan(
        dates=[event, *same] if all_dates else [event],
        announce=announced_at is None,
        announced_at=announced_at,
        other_audience=len(others) - len(same),
    )


def dates_to_come_after(event: Event, user: User):
    """The later dates of `event`'s series not started nor cancelled, that
    `user` may run (every one for GME staff and co-leads; their own for
    organisers): where "this and later dates" reaches."""
    from events.permissions import can_manage_events

    dates = later_dates(event).filter(starts_at__gt=timezone.now())
    if not can_manage_events(user):
        member = getattr(user, "member", None)
        dates = dates.filter(organisers=member) if member else dates.none()
    return dates


@dataclass
class QuestionsCopied:
    dates: int = 0  # later dates given this date's questions
    kept: dict[str, int] = field(default_factory=dict)  # label: dates it stayed on
    full: dict[str, int] = field(default_factory=dict)  # label: dates with no room


@transaction.atomic
def questions_apply_later(*, event: Event, by: User) -> QuestionsCopied:
    """Give the later dates of `event`'s series (see dates_to_come_after) the
    questions `event` asks now, matched by their label, without answers.

    A later date's question of the same label is changed to match; one this
    date no longer asks is removed. A question members already answered on a
    later date is never removed or changed into another kind (the answers
    would go, or stop making sense): it stays there as it is, and is counted
    in `kept` for the page to say so."""
    from events.registration import MAX_QUESTIONS

    asked = list(Question.objects.filter(event=event).order_by("order", "pk"))
    copied = QuestionsCopied()
    for later in dates_to_come_after(event, by).select_for_update():
        existing = {
            q.label: q for q in later.questions.annotate(answered=Count("answers"))
        }
        keep = {label for label, q in existing.items() if q.answered}
        total = len(existing)
        changed = False
        for question in asked:
            same = existing.pop(question.label, None)
            values = {
                name: getattr(question, name)
                for name in ("kind", "help_text", "required", "choices", "order")
            }
            if same is None:
                if total >= MAX_QUESTIONS:
                    copied.full[question.label] = copied.full.get(question.label, 0) + 1
                    continue
                Question.objects.create(event=later, label=question.label, **values)
                total += 1
                changed = True
            elif same.kind != question.kind and same.answered:
                copied.kept[same.label] = copied.kept.get(same.label, 0) + 1
            elif any(getattr(same, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(same, name, value)
                same.save(update_fields=list(values))
                changed = True
        for gone in existing.values():
            if gone.label in keep:
                copied.kept[gone.label] = copied.kept.get(gone.label, 0) + 1
            else:
                gone.delete()
                changed = True
        if changed:
            record(
                actor=by,
                verb="changed",
                target=later,
                fields=["registration questions"],
                copied_from=event.pk,
            )
        copied.dates += 1
    return copied


@transaction.atomic
def reminders_apply_later(
    *, event: Event, rules: list[tuple[int, str]], by: User
) -> int:
    """The same reminders (minutes before, subject) on the later dates of
    `event`'s series still to come; how many dates got them."""
    from events import services

    updated = 0
    for later in dates_to_come_after(event, by):
        services.reminders_set(event=later, rules=rules)
        updated += 1
    return updated
