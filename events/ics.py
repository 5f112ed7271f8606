"""RFC 5545 calendars (icalendar): one event's .ics, and a member's feed.

The UID never changes for an event; SEQUENCE rises with each change, so calendar
programs replace their copy instead of adding a second one; times carry the
portal's time zone with its VTIMEZONE; a cancelled event stays in the file with
STATUS:CANCELLED, so subscribed calendars remove it."""

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.html import strip_tags
from icalendar import Calendar
from icalendar import Event as VEvent

from events.models import Event

PRODID = "-//IMG Portal//Events//EN"  # the software, not the group (RFC 5545)


def _vevent(event: Event, *, show_online: bool) -> VEvent:
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
    vevent.add(
        "status", "CANCELLED" if event.status == Event.Status.CANCELLED else "CONFIRMED"
    )
    return vevent


def event_calendar(
    events: Iterable[Event],
    *,
    show_online_for: set[int],
    name: str | None = None,
    extras: Iterable = (),
) -> bytes:
    """A VCALENDAR with one VEVENT per event; online links only where allowed."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
        calendar.add("x-wr-timezone", settings.TIME_ZONE)
        # Ask subscribing programs to refresh hourly (Outlook, Apple; RFC 7986).
        calendar.add(
            "refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"}
        )
        calendar.add("x-published-ttl", "PT1H")
    for event in events:
        calendar.add_component(_vevent(event, show_online=event.pk in show_online_for))
    for component in extras:
        calendar.add_component(component)
    calendar.add_missing_timezones()
    return calendar.to_ical()
