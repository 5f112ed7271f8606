"""What the events pages promise matches what happens: the accessibility
question says who sees the answer as the form does, and GME staff (who keep no
status tracker) are not offered a deadlines calendar whose link answers 403."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from events import registration, series
from tests.conftest import client_for, page_text
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db


def test_the_accessibility_preset_names_everyone_who_sees_the_answer():
    help_text = registration.PRESETS["accessibility"]["help_text"]
    assert "Only the organisers see this" not in help_text
    assert "organisers, GME staff and co-leads" in help_text


def test_gme_staff_get_the_events_feed_but_no_deadlines_calendar(gme_staff):
    client = client_for(gme_staff)
    page = page_text(client.get(reverse("events:my_calendar")))
    assert "/events/feed/" in page  # their events feed stays
    assert f'href="{reverse("tracker:status")}"' not in page
    assert "private deadlines calendar" not in page
    response = client.post(
        reverse("events:my_calendar"), {"action": "private_on"}, follow=True
    )
    assert "You have no status tracker, so no deadlines." in page_text(response)
    gme_staff.calendar_feed.refresh_from_db()
    assert not gme_staff.calendar_feed.private_token


def test_a_resident_still_turns_the_deadlines_calendar_on(resident):
    client = client_for(resident)
    page = page_text(client.get(reverse("events:my_calendar")))
    assert "Turn on a private deadlines calendar" in page
    client.post(reverse("events:my_calendar"), {"action": "private_on"})
    resident.calendar_feed.refresh_from_db()
    assert resident.calendar_feed.private_token


def _rsvp(client, event, **data):
    return client.post(
        reverse("events:rsvp", args=[event.pk]), {"answer": "yes", **data}, follow=True
    )


def test_a_second_yes_says_what_was_updated_not_youre_going_again(
    resident, django_capture_on_commit_callbacks
):
    event = EventFactory(guests_allowed=2)
    client = client_for(resident)
    with django_capture_on_commit_callbacks(execute=True):
        first = page_text(_rsvp(client, event))
    assert "You're going. See you there!" in first
    (confirmed,) = [m for m in mail.outbox if m.to == [resident.user.email]]
    assert "checks in your guest" not in confirmed.body
    again = page_text(
        _rsvp(client, event, guest_0_name="Amira Haddad", guest_0_age="child")
    )
    assert "Saved: your guests and answers are updated. Going: you and 1 guest." in (
        again
    )
    assert "You're going. See you there!" not in again


def test_the_confirmation_says_the_code_checks_the_guests_in_too(
    resident, django_capture_on_commit_callbacks
):
    event = EventFactory(guests_allowed=2)
    with django_capture_on_commit_callbacks(execute=True):
        _rsvp(
            client_for(resident),
            event,
            guest_0_name="Amira Haddad",
            guest_0_age="child",
            guest_1_name="Omar Haddad",
            guest_1_age="adult",
        )
    (confirmed,) = [m for m in mail.outbox if m.to == [resident.user.email]]
    assert (
        "It works for this event only, and checks in your guests too: the "
        "organisers tick each of you off." in confirmed.body
    )


def test_ask_to_come_explains_that_the_organisers_approve(resident):
    approval = EventFactory(requires_approval=True)
    ordinary = EventFactory()
    client = client_for(resident)
    page = page_text(client.get(approval.get_absolute_url()))
    assert "Ask to come" in page
    assert "the organisers approve each RSVP. Ask to come, and we'll email you" in page
    assert "the organisers approve each RSVP. Ask" not in page_text(
        client.get(ordinary.get_absolute_url())
    )


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            "FREQ=WEEKLY;UNTIL=00010101T000000Z",
            "The rule ends (UNTIL=00010101T000000Z) before this event's first date",
        ),
        (
            "FREQ=WEEKLY;UNTIL=20200101T000000Z",
            "The rule ends (UNTIL=20200101T000000Z) before this event's first date",
        ),
        ("FREQ=WEEKLY;COUNT", "COUNT: each part is NAME=value, as in COUNT=6"),
    ],
)
def test_a_rule_that_ends_before_it_starts_or_has_a_bare_part_says_so(rule, message):
    with pytest.raises(ValidationError) as refused:
        series.rule_dates(rule, timezone.now() + timedelta(days=3))
    (text,) = refused.value.message_dict["rrule"]
    assert message in text
    assert "52 times" not in text and "unpack" not in text


def test_empty_parts_between_semicolons_are_read_as_one():
    starts = timezone.now() + timedelta(days=3)
    assert len(series.rule_dates("FREQ=WEEKLY;;;COUNT=3;", starts)) == 3


def test_previewing_an_empty_message_says_why_in_its_tab(co_lead):
    event = EventFactory()
    response = client_for(co_lead).post(
        reverse("events:message_email", args=[event.pk]),
        {"groups": ["going"], "subject": "Room change", "body": "   "},
    )
    assert response.status_code == 400
    page = page_text(response)
    assert "Nothing to preview: the message isn't ready." in page
    assert "Write the message." in page


def test_the_status_totals_quarter_reads_in_one_date_style(gme_staff):
    page = page_text(client_for(gme_staff).get(reverse("tracker:totals")))
    day = r"[A-Z][a-z]{2} \d{1,2} [A-Z][a-z]{2} \d{4}"
    assert re.search(rf"Due this quarter \({day} – {day}\)", page), page


def test_a_rule_with_blank_parts_is_stored_as_calendar_programs_read_it(
    co_lead, resident
):
    event = EventFactory(starts_at=timezone.now() + timedelta(days=7))
    made = series.series_create(
        event=event, rule=" rrule:freq=weekly ;; count=3 ", by=co_lead.user
    )
    assert made.rrule == "FREQ=WEEKLY;COUNT=3"
    response = client_for(resident).get(reverse("events:series_ics", args=[event.pk]))
    assert response.status_code == 200
    master = next(v for v in Calendar.from_ical(response.content).walk("VEVENT"))
    assert master["RRULE"]["FREQ"] == ["WEEKLY"] and master["RRULE"]["COUNT"] == [3]


def test_a_private_feed_left_on_after_a_role_change_can_still_be_turned_off(gme_staff):
    from events import services as event_services

    event_services.calendar_private_feed_set(gme_staff, on=True, new=True)
    client = client_for(gme_staff)
    page = page_text(client.get(reverse("events:my_calendar")))
    assert "your role no longer keeps a status tracker" in page
    assert 'value="private_reset"' not in page
    assert f'href="{reverse("tracker:status")}"' not in page
    client.post(reverse("events:my_calendar"), {"action": "private_off"})
    gme_staff.calendar_feed.refresh_from_db()
    assert not gme_staff.calendar_feed.private_token
