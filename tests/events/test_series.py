"""Copies and recurring series (issue 20, item 5): "copy this event", weekly
and monthly series by RRULE with a cap, "this date or all later ones", and
the series' .ics with its RRULE, EXDATE and RECURRENCE-ID overrides."""

from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from events import rsvps, series
from events.models import Event, Question, ReminderRule, Rsvp
from newsletters.models import Newsletter
from tests.conftest import client_for, page_text
from tests.factories import EventFactory, MemberFactory

pytestmark = pytest.mark.django_db


def _local(year, month, day, hour=18, minute=0):
    zone = timezone.get_current_timezone()
    return datetime(year, month, day, hour, minute, tzinfo=zone)


def _event(**fields):
    start = fields.pop("starts_at", _local(2027, 10, 14))  # a Thursday, 2nd of Oct
    return EventFactory(starts_at=start, ends_at=start + timedelta(hours=2), **fields)


def _repeat(client, event, **data):
    return client.post(reverse("events:repeat", args=[event.pk]), data)


def test_copy_takes_everything_but_the_rsvps_to_a_new_date(co_lead, mentor):
    event = _event(capacity=30, guests_allowed=2, audience={"incoming": True})
    event.rsvp_deadline = event.starts_at - timedelta(days=1)
    event.save()
    event.organisers.add(mentor)
    Question.objects.create(event=event, label="Dietary needs", kind="text")
    Rsvp.objects.create(event=event, member=MemberFactory(), status="yes")
    client = client_for(co_lead)
    url = reverse("events:copy", args=[event.pk])
    # A date in the past: refused beside the field, the typed value kept.
    response = client.post(url, {"starts_at": "2020-01-09T18:00"})
    assert response.status_code == 400
    page = page_text(response)
    assert "Choose a date in the future." in page and 'value="2020-01-09T18:00"' in page
    response = client.post(url, {"starts_at": "not a date"})
    assert response.status_code == 400 and "Enter a valid date/time." in page_text(
        response
    )
    page = page_text(client.post(url, {"starts_at": "2027-11-11T17:30"}, follow=True))
    assert "Copied as a draft, without RSVPs" in page
    copy = Event.objects.exclude(pk=event.pk).get()
    assert copy.status == "draft" and copy.title == event.title
    assert copy.starts_at == _local(2027, 11, 11, 17, 30)
    assert copy.ends_at - copy.starts_at == timedelta(hours=2)
    assert copy.rsvp_deadline == copy.starts_at - timedelta(days=1)
    assert (copy.capacity, copy.guests_allowed, copy.audience) == (
        30,
        2,
        {"incoming": True},
    )
    assert list(copy.organisers.all()) == [mentor]
    assert list(copy.questions.values_list("label", flat=True)) == ["Dietary needs"]
    assert ReminderRule.objects.filter(event=copy).count() == event.reminders.count()
    assert not copy.rsvps.exists() and copy.checkin_code != event.checkin_code


def test_a_weekly_series_lists_its_dates_then_makes_each_its_own_event(co_lead):
    event = _event(capacity=1)
    client = client_for(co_lead)
    form = {"frequency": "weekly", "interval": "1", "count": "5"}
    page = page_text(_repeat(client, event, **form, preview="1"))
    assert "5 dates" in page and "Create 5 dates" in page
    # US clocks go back on 7 November 2027: the time of day stays.
    assert "Thu 11 Nov 2027, 18:00" in page
    assert Event.objects.count() == 1  # nothing made yet
    newsletters = Newsletter.objects.count()
    page = page_text(
        client.post(
            reverse("events:repeat", args=[event.pk]),
            {**form, "create": "1"},
            follow=True,
        )
    )
    assert "This event now repeats: 5 dates in all." in page
    dates = list(Event.objects.order_by("starts_at"))
    assert [timezone.localtime(e.starts_at).strftime("%d %H:%M") for e in dates] == [
        "14 18:00",
        "21 18:00",
        "28 18:00",
        "04 18:00",
        "11 18:00",  # after the change back: still 18:00 local
    ]
    assert dates[4].starts_at - dates[3].starts_at == timedelta(days=7, hours=1)
    event.refresh_from_db()
    assert {e.series_id for e in dates} == {event.series_id} != {None}
    assert all(e.status == "published" for e in dates)
    assert Newsletter.objects.count() == newsletters  # no announcement per date
    # Each date has its own seats: a full first date doesn't fill the second.
    first, second = dates[0], dates[1]
    rsvps.rsvp_yes(event=first, member=MemberFactory())
    assert rsvps.rsvp_yes(event=first, member=MemberFactory()).status == "waitlist"
    assert rsvps.rsvp_yes(event=second, member=MemberFactory()).status == "yes"
    # The second time: already repeating, refused with the reason.
    response = _repeat(client, event, **form, create="1")
    assert response.status_code == 400
    assert "This event already repeats." in page_text(response)
    assert Event.objects.count() == 5


def test_monthly_on_the_same_weekday_keeps_the_second_thursday(co_lead):
    event = _event()
    page = page_text(
        _repeat(
            client_for(co_lead),
            event,
            frequency="monthly_weekday",
            interval="1",
            count="3",
            preview="1",
        )
    )
    for day in (
        "Thu 14 Oct 2027",
        "Thu 11 Nov 2027",
        "Thu 9 Dec 2027",
    ):
        assert day in page


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"count": "60"}, "count", "A series can have up to 52 dates."),
        ({"count": ""}, "count", "Say how many dates, or until when."),
        ({"count": "3", "until": "2028-01-01"}, "until", "not both"),
        ({"count": "", "until": "2047-01-01"}, "until", "more than 52 times"),
        ({"rrule": "FREQ=DAILY;COUNT=1000"}, "rrule", "more than 52 times"),
        ({"rrule": "FREQ=WEEKLY"}, "rrule", "Say when it ends"),
        (
            {"rrule": "FREQ=SECONDLY;COUNT=5"},
            "rrule",
            "Start the rule with FREQ=WEEKLY",
        ),
        ({"rrule": "hello"}, "rrule", "Start the rule with FREQ=WEEKLY"),
        ({"rrule": "FREQ=WEEKLY;BYDAY=XX;COUNT=3"}, "rrule", "isn't a repeat rule"),
        ({"rrule": "FREQ=WEEKLY;BYDAY=TU;COUNT=3"}, "rrule", "isn't this event's"),
        ({"rrule": "FREQ=WEEKLY;COUNT=1"}, "rrule", "one date only"),
        ({"interval": "0"}, "interval", "greater than or equal to 1"),
    ],
)
def test_bad_repeat_rules_are_refused_beside_the_field_and_kept(
    co_lead, data, field, message
):
    event = _event()
    form = {"frequency": "weekly", "interval": "1", "count": "4", **data}
    response = _repeat(client_for(co_lead), event, **form, create="1")
    assert response.status_code == 400
    errors = response.context["form"].errors[field]
    assert any(message in e for e in errors), errors
    if "rrule" in data:
        assert f'value="{data["rrule"]}"' in page_text(response)
    assert Event.objects.count() == 1


def _series_of(n, co_lead, **fields):
    event = _event(**fields)
    made = series.series_create(
        event=event, rule=f"FREQ=WEEKLY;COUNT={n}", by=co_lead.user
    )
    return list(Event.objects.filter(series=made).order_by("starts_at"))


def _edit(client, event, **changes):
    from events.forms import EventForm

    form = EventForm(instance=event)
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        if isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        elif name in ("starts_at", "ends_at", "rsvp_deadline"):
            when = getattr(event, name)
            data[name] = timezone.localtime(when).strftime("%Y-%m-%dT%H:%M")
        else:
            data[name] = value
    data.update(changes)
    return client.post(reverse("events:edit", args=[event.pk]), data, follow=True)


def test_editing_a_date_changes_it_alone_or_it_and_all_later_ones(
    co_lead, django_capture_on_commit_callbacks
):
    dates = _series_of(4, co_lead)
    going = MemberFactory()
    rsvps.rsvp_yes(event=dates[3], member=going)
    client = client_for(co_lead)
    # This one only: the first date moves to 19:00.
    page = page_text(
        _edit(
            client,
            dates[0],
            starts_at="2027-10-14T19:00",
            ends_at="2027-10-14T21:00",
            apply_to="this",
        )
    )
    assert "Saved." in page
    assert [
        timezone.localtime(Event.objects.get(pk=e.pk).starts_at).hour for e in dates
    ] == [19, 18, 18, 18]
    # This and all later: the second date's place, for dates 2 to 4; those
    # going to date 4 hear the place changed.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        page = page_text(_edit(client, dates[1], place="Room 4B", apply_to="later"))
    assert "Saved, and 2 later dates changed the same way." in page
    places = [Event.objects.get(pk=e.pk).place for e in dates]
    assert places == [dates[0].place, "Room 4B", "Room 4B", "Room 4B"]
    assert any(m.to == [going.user.email] and "Room 4B" in m.body for m in mail.outbox)
    # A later time for the third and after: each moves by as much.
    _edit(
        client,
        dates[2],
        starts_at="2027-10-28T18:30",
        ends_at="2027-10-28T20:30",
        apply_to="later",
    )
    times = [
        timezone.localtime(Event.objects.get(pk=e.pk).starts_at).strftime("%H:%M")
        for e in dates
    ]
    assert times == ["19:00", "18:00", "18:30", "18:30"]
    # Their RSVPs stayed.
    assert Rsvp.objects.get(event=dates[3], member=going).status == "yes"


def test_the_series_calendar_file_has_the_rule_and_its_exceptions(co_lead, resident):
    dates = _series_of(4, co_lead)
    # The second date moves an hour later on its own; the third is cancelled.
    moved = dates[1]
    moved.starts_at += timedelta(hours=1)
    moved.ends_at += timedelta(hours=1)
    moved.save()
    Event.objects.filter(pk=dates[2].pk).update(status="cancelled")
    response = client_for(resident).get(
        reverse("events:series_ics", args=[dates[0].pk])
    )
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    for name in ("PRODID", "VERSION"):
        assert name in calendar
    vevents = calendar.walk("VEVENT")
    master = next(v for v in vevents if "RRULE" in v)
    for name in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"):
        assert name in master, name
    assert master["RRULE"]["FREQ"] == ["WEEKLY"] and master["RRULE"]["COUNT"] == [4]
    exdates = [
        d.dt
        for x in (
            master.get("EXDATE")
            if isinstance(master.get("EXDATE"), list)
            else [master.get("EXDATE")]
        )
        for d in x.dts
    ]
    assert [timezone.localtime(d) for d in exdates] == [
        timezone.localtime(dates[2].recurrence_id)
    ]
    (override,) = [v for v in vevents if "RECURRENCE-ID" in v]
    assert override["UID"] == master["UID"]
    assert override["RECURRENCE-ID"].dt == timezone.localtime(dates[1].recurrence_id)
    assert override["DTSTART"].dt == timezone.localtime(moved.starts_at)
    # An event that doesn't repeat has no series file.
    single = EventFactory()
    assert (
        client_for(resident)
        .get(reverse("events:series_ics", args=[single.pk]))
        .status_code
        == 404
    )
