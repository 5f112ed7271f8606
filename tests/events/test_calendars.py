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


REQUIRED_VEVENT = ("UID", "DTSTAMP", "DTSTART")  # RFC 5545 3.6.1 (with DTEND)


def _alarm_minutes(vevent) -> list[int]:
    return [
        int(-alarm["TRIGGER"].dt.total_seconds() // 60)
        for alarm in vevent.walk("VALARM")
    ]


def test_calendars_carry_the_members_alarm_and_the_groups_contact(resident):
    """The .ics and the feed alert an hour before by default, at the time
    the member chose once they choose, not at all when they turn it off; the
    organiser is the group's contact address, never a member's."""
    from tests.factories import MemberFactory

    event = EventFactory(title="Happy hour")
    organiser = MemberFactory(user__first_name="Amal", user__last_name="Chief")
    event.organisers.add(organiser)
    rsvps.rsvp_yes(event=event, member=resident)
    client = client_for(resident)
    ics_url = reverse("events:ics", args=[event.pk])
    feed_url = reverse("events:feed", args=[services.calendar_feed_for(resident).token])
    calendar_app = Client()

    for body in (client.get(ics_url).content, calendar_app.get(feed_url).content):
        calendar, (vevent,) = _events(body)
        assert "PRODID" in calendar  # RFC 5545 3.6: with VERSION, required
        assert str(calendar["VERSION"]) == "2.0"
        assert _alarm_minutes(vevent) == [60]
        (alarm,) = vevent.walk("VALARM")
        assert str(alarm["ACTION"]) == "DISPLAY"  # 3.6.6: ACTION and TRIGGER
        assert "Happy hour" in str(alarm["DESCRIPTION"])  # DISPLAY requires it
        for name in (*REQUIRED_VEVENT, "DTEND", "ORGANIZER"):
            assert name in vevent, name
        assert str(vevent["ORGANIZER"]).startswith("mailto:")
        assert resident.user.email not in str(vevent["ORGANIZER"])
        # The organiser's contact: who runs it, and the address to write to
        # (the group's, never the organiser's own).
        contact = str(vevent["CONTACT"])
        assert contact.startswith("Organised by Amal Chief (")
        assert organiser.user.email not in body.decode()

    page = client.post(
        reverse("events:my_calendar"),
        {"action": "alarm", "alarm_minutes": "1440"},
        follow=True,
    )
    assert "alert you 1 day before each event" in page.content.decode()
    assert (
        client.get(reverse("events:my_calendar"))
        .content.decode()
        .count('<option value="1440" selected>')
        == 1
    )
    for body in (client.get(ics_url).content, calendar_app.get(feed_url).content):
        _, (vevent,) = _events(body)
        assert _alarm_minutes(vevent) == [1440]

    client.post(reverse("events:my_calendar"), {"action": "alarm", "alarm_minutes": ""})
    for body in (client.get(ics_url).content, calendar_app.get(feed_url).content):
        _, (vevent,) = _events(body)
        assert _alarm_minutes(vevent) == []


def test_an_alarm_time_not_offered_is_refused_next_to_the_field(resident):
    client = client_for(resident)
    response = client.post(
        reverse("events:my_calendar"), {"action": "alarm", "alarm_minutes": "7"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'aria-invalid="true"' in page
    assert "Select a valid choice" in page
    assert services.calendar_alarm_for(resident) == 60  # unchanged


def test_a_cancelled_event_is_emailed_as_an_itip_cancel_with_no_alarm(
    co_lead, resident, django_capture_on_commit_callbacks
):
    """Each person going gets METHOD:CANCEL naming them (RFC 5546 3.2.5), with
    the same UID and a higher SEQUENCE, so their calendar removes the event;
    the feed keeps it as STATUS:CANCELLED without an alarm."""
    from django.core import mail

    event = EventFactory(title="Orientation panel")
    rsvps.rsvp_yes(event=event, member=resident)
    _, (before,) = _events(
        client_for(resident).get(reverse("events:ics", args=[event.pk])).content
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.event_cancel(event=event, by=co_lead.user)
    (message,) = [m for m in mail.outbox if m.to == [resident.user.email]]
    filename, content, mimetype = message.attachments[0]
    assert filename == f"event-{event.pk}.ics"
    assert mimetype == "text/calendar; method=CANCEL"
    calendar, (vevent,) = _events(content.encode())
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(vevent["STATUS"]) == "CANCELLED"
    assert vevent["UID"] == before["UID"]
    assert int(vevent["SEQUENCE"]) > int(before["SEQUENCE"])
    assert str(vevent["ATTENDEE"]) == f"mailto:{resident.user.email}"
    for name in (*REQUIRED_VEVENT, "DTEND", "ORGANIZER"):
        assert name in vevent, name
    assert "ORGANIZER" in vevent
    assert _alarm_minutes(vevent) == []
    feed_url = reverse("events:feed", args=[services.calendar_feed_for(resident).token])
    _, events = _events(Client().get(feed_url).content)
    cancelled = [e for e in events if e["UID"] == before["UID"]]
    assert all(_alarm_minutes(e) == [] for e in cancelled)
