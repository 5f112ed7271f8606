"""RFC 5545 calendars (icalendar): one event's .ics, and a member's feed.

The UID never changes for an event; SEQUENCE rises with each change, so calendar
programs replace their copy instead of adding a second one; times carry the
portal's time zone with its VTIMEZONE; a cancelled event stays in the file with
STATUS:CANCELLED, so subscribed calendars remove it."""

from collections.abc import Iterable
from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import strip_tags
from icalendar import Alarm, Calendar, vCalAddress
from icalendar import Event as VEvent

from events.models import Event
from events.series import rule_dates
from imgportal.identity import group_identity

PRODID = "-//IMG Portal//Events//EN"  # the software, not the group (RFC 5545)


def _organizer() -> vCalAddress:
    """The group, as the events' ORGANIZER: its contact address (or the address
    the portal's mail comes from), so "reply to organiser" reaches a person who
    reads it, never a member's own address."""
    identity = group_identity()
    email = identity.contact_email or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    organizer = vCalAddress(f"mailto:{email}")
    organizer.params["cn"] = identity.name
    return organizer


def organiser_names(events: Iterable[Event]) -> dict[int, list[str]]:
    """Each event's organisers by name, for the calendars' CONTACT (one query
    whatever the number of events)."""
    through = Event.organisers.through
    names: dict[int, list[str]] = {}
    rows = (
        through.objects.filter(event_id__in=[e.pk for e in events])
        .select_related("member__user")
        .order_by("event_id", "member__user__last_name", "member__user__first_name")
    )
    for row in rows:
        if row.member.full_name.strip():
            names.setdefault(row.event_id, []).append(row.member.full_name.strip())
    return names


def _contact(names: list[str]) -> str:
    """RFC 5545 3.8.4.2 CONTACT: who runs the event and where to write. The
    organisers' names, never their own addresses: questions go to the group."""
    identity = group_identity()
    email = identity.contact_email or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    who = ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]
    return f"Organised by {who} ({identity.name}, {email})"


def _alarm(event: Event, minutes: int) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", f"{event.title}: starts in {_before_text(minutes)}")
    alarm.add("trigger", timedelta(minutes=-minutes))
    return alarm


def _before_text(minutes: int) -> str:
    if minutes % 1440 == 0:
        days = minutes // 1440
        return f"{days} day" + ("s" if days > 1 else "")
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour" + ("s" if hours > 1 else "")
    return f"{minutes} minutes"


def _vevent(
    event: Event,
    *,
    show_online: bool,
    alarm_minutes: int | None = None,
    attendee: str | None = None,
    organisers: list[str] | None = None,
) -> VEvent:
    url = f"{settings.SITE_URL}{event.get_absolute_url()}"
    vevent = VEvent()
    vevent.add("uid", event.uid)
    vevent.add("dtstamp", event.updated_at)
    vevent.add("created", event.created_at)
    vevent.add("last-modified", event.updated_at)
    vevent.add("sequence", event.sequence)
    vevent.add("summary", event.title)
    vevent.add("dtstart", timezone.localtime(event.starts_at))
    vevent.add("dtend", timezone.localtime(event.ends_at))
    vevent.add("url", url)
    places = [event.place] if event.place else []
    description = [strip_tags(event.description_html).strip(), f"Details: {url}"]
    if event.online_url and show_online:
        places.append(event.online_url)
        description.insert(1, f"Join online: {event.online_url}")
    if places:
        vevent.add("location", " · ".join(places))
    vevent.add("description", "\n\n".join(part for part in description if part))
    cancelled = event.status == Event.Status.CANCELLED
    vevent.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    vevent.add("organizer", _organizer())
    if organisers:
        vevent.add("contact", _contact(organisers))
    if attendee:
        vevent.add("attendee", vCalAddress(f"mailto:{attendee}"))
    if alarm_minutes and not cancelled:
        vevent.add_component(_alarm(event, alarm_minutes))
    return vevent


def event_calendar(
    events: Iterable[Event],
    *,
    show_online_for: set[int],
    name: str | None = None,
    extras: Iterable = (),
    alarm_minutes: int | None = None,
    method: str = "PUBLISH",
    attendee: str | None = None,
) -> bytes:
    """A VCALENDAR with one VEVENT per event; online links only where allowed.

    `alarm_minutes`: the member's own alarm on each event. `method` "CANCEL"
    with the `attendee` (RFC 5546 3.2.5) is the emailed cancellation a calendar
    program applies to the copy it holds (same UID, higher SEQUENCE)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
        calendar.add("x-wr-timezone", settings.TIME_ZONE)
        # Ask subscribing programs to refresh hourly (Outlook, Apple; RFC 7986).
        calendar.add(
            "refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"}
        )
        calendar.add("x-published-ttl", "PT1H")
    events = list(events)
    organisers = organiser_names(events)
    for event in events:
        calendar.add_component(
            _vevent(
                event,
                show_online=event.pk in show_online_for,
                alarm_minutes=alarm_minutes,
                attendee=attendee,
                organisers=organisers.get(event.pk),
            )
        )
    for component in extras:
        calendar.add_component(component)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def series_calendar(series, events: list[Event], *, visible: set[int]) -> bytes:
    """One recurring VEVENT for a series (RFC 5545 3.8.5.3 RRULE from its first
    start), EXDATE for each date cancelled, removed or not visible to the
    reader, and an overriding VEVENT (same UID, RECURRENCE-ID) for each date
    changed on its own: moved, renamed or elsewhere. No online links: a
    member's own RSVP to a date gives them that date's."""
    from dateutil import rrule as dateutil_rrule
    from icalendar import vRecur

    events = sorted(events, key=lambda e: e.recurrence_id or e.starts_at)
    first = events[0]
    start = timezone.localtime(series.dtstart)
    length = first.ends_at - first.starts_at
    organisers = organiser_names(events)
    master = _vevent(first, show_online=False, organisers=organisers.get(first.pk))
    for name in ("UID", "DTSTART", "DTEND", "STATUS", "URL"):
        master.pop(name, None)
    master.add("uid", series.uid)
    master.add("dtstart", start)
    master.add("dtend", start + length)
    master.add("status", "CONFIRMED")
    master.add("url", f"{settings.SITE_URL}{first.get_absolute_url()}")
    master.add("rrule", vRecur.from_ical(series.rrule))
    by_start = {e.recurrence_id: e for e in events if e.recurrence_id}
    try:
        # Bounded: dateutil would walk on to the year 9999 after a sparse
        # rule's last date looking for one more.
        rule_starts = rule_dates(series.rrule, series.dtstart)
    except ValidationError:  # a series made before rules were bounded
        rule_starts = [
            timezone.make_aware(d.replace(tzinfo=None))
            for d in dateutil_rrule.rrulestr(series.rrule, dtstart=start)
        ]
    overrides = []
    for when in rule_starts:
        event = by_start.get(when)
        if (
            event is None
            or event.pk not in visible
            or event.status == Event.Status.CANCELLED
        ):
            master.add("exdate", timezone.localtime(when))
            continue
        same = (
            event.starts_at == when
            and event.ends_at - event.starts_at == length
            and (event.title, event.place, event.description)
            == (first.title, first.place, first.description)
        )
        if not same:
            override = _vevent(
                event, show_online=False, organisers=organisers.get(event.pk)
            )
            override.pop("UID", None)
            override.add("uid", series.uid)
            override.add("recurrence-id", timezone.localtime(when))
            overrides.append(override)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add_component(master)
    for override in overrides:
        calendar.add_component(override)
    calendar.add_missing_timezones()
    return calendar.to_ical()
