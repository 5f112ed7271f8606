"""GME's report counts what was true on the day, past apart from upcoming,
guests included (issue 16 item 3)."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from events import attendance, rsvps, selectors, services
from events.models import Attendance, Event
from members.models import Member
from tests.conftest import client_for, page_text
from tests.factories import EventFactory, MemberFactory

pytestmark = pytest.mark.django_db


def _year() -> int:
    today = timezone.localdate()
    return today.year if today.month >= 7 else today.year - 1


def _held(event: Event) -> Event:
    """Move an event (RSVPs already taken) to earlier today: it is over.
    Every time here is within three hours of now, so all of them fall in the
    current academic year (except in the three hours around 1 July)."""
    start = timezone.now() - timedelta(hours=3)
    Event.objects.filter(pk=event.pk).update(
        starts_at=start, ends_at=start + timedelta(hours=2)
    )
    event.refresh_from_db()
    return event


def _in_this_year(hours_ahead: int) -> dict:
    start = timezone.now() + timedelta(hours=hours_ahead)
    return {"starts_at": start, "ends_at": start + timedelta(minutes=30)}


def test_a_rollover_changes_no_past_figure(co_lead):
    """A PGY-1 on J-1 who came last month still counts as a PGY-1 on J-1 after
    the rollover makes them a PGY-2 and they switch to H-1B."""
    member = MemberFactory(training_stage="pgy1", visa_status="j1")
    event = EventFactory(**_in_this_year(1))
    rsvps.rsvp_yes(event=event, member=member)
    event = _held(event)
    attendance.attendance_mark(event=event, member=member, by=co_lead.user)
    Member.objects.filter(pk=member.pk).update(training_stage="pgy2", visa_status="h1b")
    report = selectors.gme_report(year=_year())
    assert report["by_stage"] == [("PGY-1", 1, 0)]
    assert report["by_visa"] == [("J-1", 1, 0)]
    page = page_text(client_for(co_lead).get(reverse("events:report")))
    assert "PGY-2" not in page and "H-1B" not in page


def test_the_headline_separates_past_events_from_upcoming_ones(co_lead):
    """Past: who said yes and who came. Upcoming: who said yes, nothing about
    attendance yet; a cancelled event is listed but counts nowhere."""
    past = EventFactory(**_in_this_year(1))
    upcoming = EventFactory(**_in_this_year(2))
    cancelled = EventFactory(**_in_this_year(3))
    people = MemberFactory.create_batch(4)
    for member in people[:3]:
        rsvps.rsvp_yes(event=past, member=member)
    for member in people:
        rsvps.rsvp_yes(event=upcoming, member=member)
    rsvps.rsvp_yes(event=cancelled, member=people[0])
    services.event_cancel(event=cancelled, by=co_lead.user)
    past = _held(past)
    for member in people[:2]:
        attendance.attendance_mark(event=past, member=member, by=co_lead.user)
    totals = selectors.gme_report(year=_year())["totals"]
    assert (totals["past_events"], totals["past_going"], totals["attended"]) == (
        1,
        3,
        2,
    )
    assert (totals["upcoming_events"], totals["upcoming_going"]) == (1, 4)
    response = client_for(co_lead).get(reverse("events:report"))
    assert "attended 1 past event (3 had said yes)" in page_text(response)
    assert "said yes to 1 upcoming event" in page_text(response)


def test_guests_fill_seats_are_checked_in_and_count_in_cost_per_attendee(co_lead):
    """Capacity 3: a member with two guests fills it, the next goes on the
    waitlist; the organiser checks the member in with the one guest who came,
    and GME's cost per attendee divides by two people, not one."""
    event = EventFactory(
        capacity=3, guests_allowed=2, actual_cost=Decimal("90"), **_in_this_year(1)
    )
    host, late = MemberFactory.create_batch(2)
    rsvps.rsvp_yes(event=event, member=host, guests=2)
    assert rsvps.rsvp_yes(event=event, member=late).status == "waitlist"
    event = _held(event)
    client = client_for(co_lead)
    rsvp = event.rsvps.get(member=host)
    page = page_text(client.get(reverse("events:checkin", args=[event.pk])))
    assert "Guests with" in page
    client.post(
        reverse("events:checkin", args=[event.pk]),
        {"rsvp": rsvp.pk, "present": "1", "guests": "1"},
    )
    attendance = Attendance.objects.get(event=event, member=host)
    assert attendance.guests == 1
    assert "Here so far: 2" in page_text(
        client.get(reverse("events:checkin", args=[event.pk]))
    )
    report = selectors.gme_report(year=_year())
    row = next(r for r in report["rows"] if r["event"] == event)
    assert row["attended"] == 2
    assert row["cost_per_attendee"] == Decimal("45.00")
    assert report["totals"]["cost_per_attendee"] == Decimal("45.00")
    assert ("Guests (not members)", 1, 0) in report["by_stage"]

    # The second time: the other guest turns up; the count changes, the
    # check-in (its method and time) does not.
    client.post(
        reverse("events:checkin", args=[event.pk]),
        {"rsvp": rsvp.pk, "present": "1", "guests": "2"},
    )
    again = Attendance.objects.get(event=event, member=host)
    assert (again.guests, again.checked_in_at) == (2, attendance.checked_in_at)


def test_more_guests_than_the_event_allows_is_refused_with_a_message(co_lead):
    event = EventFactory(guests_allowed=1, **_in_this_year(1))
    member = MemberFactory()
    rsvps.rsvp_yes(event=event, member=member, guests=1)
    event = _held(event)
    rsvp = event.rsvps.get(member=member)
    response = client_for(co_lead).post(
        reverse("events:checkin", args=[event.pk]),
        {"rsvp": rsvp.pk, "present": "1", "guests": "7"},
        follow=True,
    )
    assert "allows up to 1 guest per member" in page_text(response)
    assert not Attendance.objects.filter(event=event).exists()


def test_a_member_checks_in_with_the_code_and_their_guests(resident):
    event = EventFactory(guests_allowed=2, **_in_this_year(1))
    rsvps.rsvp_yes(event=event, member=resident, guests=2)
    start = timezone.now() - timedelta(minutes=10)
    Event.objects.filter(pk=event.pk).update(
        starts_at=start, ends_at=start + timedelta(hours=2)
    )
    event.refresh_from_db()
    client = client_for(resident)
    url = reverse("events:code_checkin", args=[event.pk])
    form = page_text(client.get(url))
    assert "Guests with you" in form
    client.post(url, {"code": event.checkin_code.lower(), "guests": "1"})
    attendance = Attendance.objects.get(event=event, member=resident)
    assert (attendance.guests, attendance.training_stage) == (
        1,
        resident.training_stage,
    )


def _money_rows(response, testid):
    """The cells of a report table, row by row, as the reader sees them."""
    html = response.content.decode()
    table = html[html.index(f'data-testid="{testid}"') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
        ]
        for row in rows
    ]


def test_budget_and_spend_bars_keep_held_and_upcoming_apart_with_the_numbers(
    co_lead,
):
    held = EventFactory(
        title="Orientation panel",
        budget=Decimal("200"),
        actual_cost=Decimal("250"),
        **_in_this_year(1),
    )
    EventFactory(
        title="Spring social",
        budget=Decimal("400"),
        actual_cost=None,
        **_in_this_year(5),
    )
    EventFactory(  # not GME's money: listed, not in GME's bars or totals
        title="Alumni dinner",
        funding="other",
        funding_source="Alumni fund",
        actual_cost=Decimal("900"),
        **_in_this_year(6),
    )
    member = MemberFactory()
    rsvps.rsvp_yes(event=held, member=member)
    held = _held(held)
    attendance.attendance_mark(event=held, member=member, by=co_lead.user)
    response = client_for(co_lead).get(reverse("events:report"))
    totals = _money_rows(response, "money-totals")
    assert totals[1:] == [
        ["Held (1)", "", "$200.00", "$250.00"],
        ["Upcoming (1)", "", "$400.00", "$0.00"],
    ]
    bars = _money_rows(response, "money-bars")
    names = [row[0] for row in bars[1:]]
    assert any(n.startswith("Orientation panel") for n in names)
    assert any(n.startswith("Spring social") for n in names)
    assert not any(n.startswith("Alumni dinner") for n in names)
    over = next(r for r in bars[1:] if r[0].startswith("Orientation panel"))
    assert over[2:] == ["$200.00", "$250.00 ($50.00 over)"]
    spring = next(r for r in bars[1:] if r[0].startswith("Spring social"))
    assert spring[3] == "not recorded"
    # The bars share one scale (the largest amount, $400, is the full width),
    # and screen readers skip them: the numbers beside say it all.
    bars_html = response.content.decode().split('data-testid="money-bars"')[1]
    assert 'class="budget" x="0" y="0" height="5" width="50.0"' in bars_html
    assert 'class="spent" x="0" y="5" height="5" width="62.5"' in bars_html
    assert 'aria-hidden="true"' in bars_html
    page = page_text(response)
    assert "1 event funded otherwise ($900.00) is listed but not in GME's money" in page


def test_cost_per_attendee_counts_only_events_with_a_cost_and_check_ins(co_lead):
    """A held event with a cost but nobody checked in (the organiser forgot the
    check-in) would make everyone else look cheap or dear: it is left out, and
    named, as is a held event whose cost nobody recorded."""
    counted = EventFactory(
        title="Counted", actual_cost=Decimal("60"), **_in_this_year(1)
    )
    forgot = EventFactory(
        title="No check-in", actual_cost=Decimal("500"), **_in_this_year(1)
    )
    uncosted = EventFactory(title="No receipt", actual_cost=None, **_in_this_year(1))
    host = MemberFactory()
    counted.guests_allowed = 1
    counted.save(update_fields=["guests_allowed"])
    rsvps.rsvp_yes(event=counted, member=host, guests=1)
    for event in (counted, forgot, uncosted):
        _held(event)
    attendance.attendance_mark(event=counted, member=host, by=co_lead.user)
    Attendance.objects.filter(event=counted, member=host).update(guests=1)
    report = selectors.gme_report(year=_year())
    assert report["totals"]["cost_per_attendee"] == Decimal("30.00")
    assert report["unchecked"] == [forgot] and report["uncosted"] == [uncosted]
    row = next(r for r in report["rows"] if r["event"] == counted)
    assert (row["attended_members"], row["attended_guests"]) == (1, 1)
    page = page_text(client_for(co_lead).get(reverse("events:report")))
    assert "$60.00 for 2 people" in page
    assert "nobody checked in" in page and "No check-in" in page
    assert "no actual cost recorded: No receipt" in page
    assert "1 member and 1 guest" in page


def test_the_printable_report_names_the_office_and_year_without_the_menus(co_lead):
    EventFactory(title="Orientation panel", budget=Decimal("120"), **_in_this_year(2))
    url = reverse("events:report_print") + f"?year={_year()}"
    response = client_for(co_lead).get(url)
    assert response.status_code == 200
    page = page_text(response)
    assert "events report for the Graduate Medical Education office" in page
    assert f"1 July {_year()} – 30 June {_year() + 1}" in page
    assert "Orientation panel" in page and "$120.00" in page
    assert "Upcoming events (1)" in page
    html = response.content.decode()
    assert 'class="d-print-none"' in html and "/css/print." in html
    # The screen report links to it.
    screen = client_for(co_lead).get(reverse("events:report"))
    assert reverse("events:report_print") in screen.content.decode()


@pytest.mark.parametrize("name", ["events:report", "events:report_print"])
def test_the_report_costs_the_same_queries_with_3_and_30_events(co_lead, name):
    client = client_for(co_lead)
    url = reverse(name)
    client.get(url)  # warm the caches

    def count(n):
        Event.objects.all().delete()
        member = MemberFactory()
        for index in range(n):
            event = EventFactory(
                budget=Decimal("10"), actual_cost=Decimal("5"), **_in_this_year(1)
            )
            rsvps.rsvp_yes(event=event, member=member)
            if index % 2:
                event = _held(event)
                attendance.attendance_mark(event=event, member=member, by=co_lead.user)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    assert count(3) == count(30)
