"""Calendar files and feeds, parsed back with icalendar."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from events import rsvps, services
from tests.conftest import client_for
from tests.factories import EventFactory, MemberFactory

pytestmark = pytest.mark.django_db


def _events(body: bytes):
    calendar = Calendar.from_ical(body)
    return calendar, list(calendar.walk("VEVENT"))


def test_the_event_page_links_an_ics_that_parses_back(resident):
    event = EventFactory(title="IMG orientation", place="Room 4B")
    client = client_for(resident)
    page = client.get(event.get_absolute_url()).content.decode()
    href = reverse("events:ics", args=[event.pk])
    assert href.endswith(".ics")
    assert f'href="{href}"' in page
    response = client.get(href)
    assert response["Content-Type"].startswith("text/calendar")
    calendar, (vevent,) = _events(response.content)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(vevent["UID"]) == f"event-{event.pk}@testserver"
    assert str(vevent["SUMMARY"]) == "IMG orientation"
    assert str(vevent["LOCATION"]) == "Room 4B"
    assert vevent["DTSTART"].dt == event.starts_at
    assert vevent["DTSTART"].params["TZID"] == "America/Chicago"
    assert calendar.walk("VTIMEZONE"), "the time zone is described in the file"
    assert str(vevent["URL"]).endswith(event.get_absolute_url())


def test_a_change_raises_the_sequence_and_keeps_the_uid(co_lead, resident):
    event = EventFactory()
    client = client_for(resident)
    _, (before,) = _events(client.get(reverse("events:ics", args=[event.pk])).content)
    event.starts_at += timedelta(hours=1)
    event.ends_at += timedelta(hours=1)
    services.event_save(event=event, by=co_lead.user)
    _, (after,) = _events(client.get(reverse("events:ics", args=[event.pk])).content)
    assert after["UID"] == before["UID"]
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    services.event_cancel(event=event, by=co_lead.user)
    _, (cancelled,) = _events(
        client.get(reverse("events:ics", args=[event.pk])).content
    )
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert int(cancelled["SEQUENCE"]) > int(after["SEQUENCE"])


def test_the_personal_feed_lists_my_events_and_its_token_can_be_replaced(resident):
    going = EventFactory(title="Going", online_url="https://meet.example.org/x")
    EventFactory(title="Not answered")
    rsvps.rsvp_yes(event=going, member=resident)
    client = client_for(resident)
    page = client.get(reverse("events:my_calendar")).content.decode()
    feed = services.calendar_feed_for(resident)
    url = reverse("events:feed", args=[feed.token])
    assert url in page
    calendar_app = Client()  # subscribed calendars don't sign in
    response = calendar_app.get(url)
    assert response.status_code == 200
    _, events = _events(response.content)
    assert [str(e["SUMMARY"]) for e in events] == ["Going"]
    assert "meet.example.org/x" in str(events[0]["LOCATION"])
    client.post(reverse("events:my_calendar"), {"action": "reset"})
    assert calendar_app.get(url).status_code == 404
    feed.refresh_from_db()
    assert (
        calendar_app.get(reverse("events:feed", args=[feed.token])).status_code == 200
    )


def test_a_tampered_feed_token_is_a_404_that_says_nothing(resident):
    feed = services.calendar_feed_for(resident)
    response = Client().get(reverse("events:feed", args=[feed.token[:-2] + "xx"]))
    assert response.status_code == 404
    assert resident.user.email not in response.content.decode()


def test_someone_elses_feed_shows_only_their_events():
    mine, theirs = MemberFactory.create_batch(2)
    event = EventFactory(title="Theirs")
    rsvps.rsvp_yes(event=event, member=theirs)
    response = Client().get(
        reverse("events:feed", args=[services.calendar_feed_for(mine).token])
    )
    _, events = _events(response.content)
    assert events == []
