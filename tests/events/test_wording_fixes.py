"""What the events pages promise matches what happens: the accessibility
question says who sees the answer as the form does, and GME staff (who keep no
status tracker) are not offered a deadlines calendar whose link answers 403."""

import pytest
from django.urls import reverse

from events import registration
from tests.conftest import client_for, page_text

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
