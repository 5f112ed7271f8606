"""Defects a reviewer found by attacking the events pages (2026-12-07): dates
too late to store, a series moved past them, an RRULE number Python reads as
a digit but can't parse, a check-in refusal naming another event, and an
organiser changing their mind twice within a second."""

import pytest
from django.core import mail
from django.urls import reverse

from events import codes, rsvps
from events.models import Event, Rsvp
from tests.conftest import client_for, page_text
from tests.events.test_series import _edit, _series_of
from tests.factories import EventFactory, MemberFactory, event_on_the_day

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "starts, ends",
    [
        ("9999-12-31T22:00", "9999-12-31T23:00"),  # 10000-01-01 in UTC: a 500
        ("2200-01-01T18:00", "2200-01-01T20:00"),
        ("0001-01-01T18:00", "0001-01-01T20:00"),
    ],
)
def test_an_event_dated_out_of_reach_is_refused_beside_the_field(co_lead, starts, ends):
    event = EventFactory(title="Visa panel")
    response = _edit(client_for(co_lead), event, starts_at=starts, ends_at=ends)
    page = page_text(response)
    assert response.status_code == 200
    assert "Choose a date between" in page
    assert f'value="{starts}"' in page  # what was typed is kept
    event.refresh_from_db()
    assert event.starts_at.year < 2100
    # The list and the event still open.
    assert client_for(co_lead).get(reverse("events:list")).status_code == 200
    assert client_for(co_lead).get(event.get_absolute_url()).status_code == 200


def test_moving_a_series_date_and_the_later_ones_past_reach_is_refused(co_lead):
    dates = _series_of(3, co_lead)
    response = _edit(
        client_for(co_lead),
        dates[0],
        starts_at="9999-12-25T12:00",
        ends_at="9999-12-25T14:00",
        apply_to="later",
    )
    assert response.status_code == 200
    assert "Choose a date between" in page_text(response)
    assert [Event.objects.get(pk=d.pk).starts_at for d in dates] == [
        d.starts_at for d in dates
    ]


@pytest.mark.parametrize(
    "rule", ["FREQ=WEEKLY;INTERVAL=²;COUNT=3", "FREQ=WEEKLY;COUNT=²"]
)
def test_a_superscript_number_in_a_rule_is_refused_not_a_500(co_lead, rule):
    event = EventFactory()
    response = client_for(co_lead).post(
        reverse("events:repeat", args=[event.pk]),
        {"frequency": "weekly", "interval": "1", "count": "3", "rrule": rule},
    )
    assert response.status_code in (200, 400)
    assert "isn't a repeat rule" in page_text(response) or "can't read" in page_text(
        response
    )
    assert not Event.objects.exclude(pk=event.pk).exists()


def test_a_code_for_another_event_does_not_say_which_event(resident):
    """The other event may be for J-1 residents only: its title would tell a
    resident organiser, who may not know visa status, who is on a visa."""
    organiser = MemberFactory()
    door = event_on_the_day(title="Happy hour")
    door.organisers.add(organiser)
    elsewhere = EventFactory(title="Review J1 lunch")
    code = codes.personal_code(rsvps.rsvp_yes(event=elsewhere, member=resident))
    response = client_for(organiser).post(
        reverse("events:checkin", args=[door.pk]), {"code": code}
    )
    page = page_text(response)
    assert response.status_code == 400
    assert "That code is for another event" in page
    assert "Review J1 lunch" not in page


def test_an_organiser_changing_their_mind_twice_in_a_second_emails_each_decision(
    co_lead, django_capture_on_commit_callbacks
):
    event = EventFactory(capacity=3, requires_approval=True)
    member = MemberFactory()
    rsvp = rsvps.rsvp_yes(event=event, member=member)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for decide in (rsvps.rsvp_approve, rsvps.rsvp_refuse) * 2:
            decide(rsvp=Rsvp.objects.get(pk=rsvp.pk), by=co_lead.user)
    subjects = [m.subject for m in mail.outbox if m.to == [member.user.email]]
    assert len(subjects) == 4, subjects
    assert subjects[-1] != subjects[-2]
    assert subjects[0] == subjects[2] and subjects[1] == subjects[3]
    assert Rsvp.objects.get(pk=rsvp.pk).status == Rsvp.Status.REFUSED
