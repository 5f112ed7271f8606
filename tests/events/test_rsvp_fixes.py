"""Fixes from the events audit: an approved member can't add guests without the
organisers, the organiser's code check-in keeps the member's check-in window,
and GME's report groups attendees as they were when they said yes."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from events import attendance, codes, rsvps, selectors, services
from events.models import Attendance, Event, Question, Rsvp
from members.models import Member
from members.rules import academic_year_of
from tests.conftest import client_for, page_text
from tests.factories import EventFactory, MemberFactory, bulk_members

pytestmark = pytest.mark.django_db


def _rsvp_url(event):
    return reverse("events:rsvp", args=[event.pk])


def _checkin_url(event):
    return reverse("events:checkin", args=[event.pk])


def _move(event, starts_in: timedelta, hours: int = 2) -> Event:
    """Move an event (RSVPs already taken) to start `starts_in` from now."""
    start = timezone.now() + starts_in
    Event.objects.filter(pk=event.pk).update(
        starts_at=start, ends_at=start + timedelta(hours=hours)
    )
    event.refresh_from_db()
    return event


def _approved(event, member, co_lead, guests=0):
    rsvp = rsvps.rsvp_yes(event=event, member=member, guests=guests)
    return rsvps.rsvp_approve(rsvp=rsvp, by=co_lead.user)


# --- 1. Optional approval: more guests go back to the organisers ------------


def test_an_approved_member_cannot_add_guests_without_the_organisers(resident, co_lead):
    """Approved alone, a member who says yes again with two guests is refused
    beside the guests; their approved place stays as it was, with no guests."""
    event = EventFactory(capacity=10, requires_approval=True, guests_allowed=2)
    _approved(event, resident, co_lead)
    with pytest.raises(ValidationError) as refused:
        rsvps.rsvp_yes(event=event, member=resident, guests=2)
    assert "organisers approved your place" in refused.value.message_dict["guests"][0]
    rsvp = Rsvp.objects.get(event=event, member=resident)
    assert (rsvp.status, rsvp.guests) == (Rsvp.Status.YES, 0)
    assert rsvps.seats_taken(event) == 1


def test_the_member_sees_why_on_the_page_with_what_they_typed(resident, co_lead):
    event = EventFactory(requires_approval=True, guests_allowed=2)
    question = Question.objects.create(event=event, label="Dietary needs", kind="text")
    _approved(event, resident, co_lead)
    response = client_for(resident).post(
        _rsvp_url(event),
        {
            "answer": "yes",
            "guest_0_name": "Sara Khan",
            "guest_0_age": "adult",
            "guest_1_name": "Omar Khan",
            "guest_1_age": "child",
            f"q_{question.pk}": "Halal",
        },
    )
    assert response.status_code == 400
    page = page_text(response)
    assert "The organisers approved your place for you alone" in page
    assert "write to them" in page and "Your approved place is kept" in page
    assert 'value="Sara Khan"' in page and 'value="Omar Khan"' in page
    rsvp = Rsvp.objects.get(event=event, member=resident)
    assert (rsvp.status, rsvp.guests) == (Rsvp.Status.YES, 0)
    assert not rsvp.guest_list.exists() and not rsvp.answers.exists()


def test_an_approved_member_may_bring_fewer_guests_and_change_answers(
    resident, co_lead
):
    """Fewer guests, other names or other answers need nobody's approval; but
    after going down to one guest, going back up to two is a new ask."""
    event = EventFactory(capacity=3, requires_approval=True, guests_allowed=2)
    question = Question.objects.create(event=event, label="Dietary needs", kind="text")
    _approved(event, resident, co_lead, guests=2)
    rsvp = rsvps.rsvp_yes(
        event=event,
        member=resident,
        guests=[("Sara Khan", "adult")],
        answers={question.pk: "Vegan"},
    )
    assert (rsvp.status, rsvp.guests) == (Rsvp.Status.YES, 1)
    assert rsvp.answers.get().value == "Vegan"
    renamed = rsvps.rsvp_yes(event=event, member=resident, guests=[("Sara", "child")])
    assert (renamed.status, renamed.guests) == (Rsvp.Status.YES, 1)
    assert renamed.guest_list.get().name == "Sara"
    # A freed seat is free: another request can be approved into it.
    assert rsvps.seats_taken(event) == 2
    with pytest.raises(ValidationError):
        rsvps.rsvp_yes(event=event, member=resident, guests=2)
    assert Rsvp.objects.get(event=event, member=resident).guests == 1


def test_without_approval_an_extra_guest_still_takes_a_free_seat(resident):
    event = EventFactory(capacity=5, guests_allowed=2)
    rsvps.rsvp_yes(event=event, member=resident)
    rsvp = rsvps.rsvp_yes(event=event, member=resident, guests=2)
    assert (rsvp.status, rsvp.guests) == (Rsvp.Status.YES, 2)


# --- 2. The organiser's code check-in keeps the check-in window --------------


def _going_code(event, member) -> str:
    return codes.personal_code(rsvps.rsvp_yes(event=event, member=member))


def _scan(client, event, code):
    return client.post(_checkin_url(event), {"code": code})


def test_a_code_for_an_event_months_ahead_is_refused_beside_the_field(
    resident, co_lead
):
    event = EventFactory(starts_at=timezone.now() + timedelta(days=90))
    event.ends_at = event.starts_at + timedelta(hours=2)
    event.save(update_fields=["ends_at"])
    code = _going_code(event, resident)
    response = _scan(client_for(co_lead), event, code.lower())
    assert response.status_code == 400
    page = page_text(response)
    assert "Check-in opens two hours before the start" in page
    opens = timezone.localtime(event.starts_at - attendance.CHECKIN_OPENS)
    assert f"{opens:%-d %b %Y, %H:%M}" in page
    assert f'value="{code.lower()}"' in page  # what was typed stays
    assert "checked in at" not in page
    assert not Attendance.objects.filter(event=event).exists()
    # GME's report does not show the upcoming event as attended.
    year = academic_year_of(timezone.localdate(event.starts_at))
    rows = list(
        csv.DictReader(
            io.StringIO(
                client_for(co_lead)
                .get(reverse("events:report_csv"), {"year": year})
                .content.decode()
                .lstrip("\ufeff")
            )
        )
    )
    (row,) = [r for r in rows if r["Event"] == event.title]
    assert row["Attended (with guests)"] in ("", "0")


def test_a_code_works_from_when_check_in_opens(resident, co_lead):
    """The same window as the member's own check-in: a few minutes before it
    opens, refused; a few minutes after, checked in."""
    event = EventFactory()
    code = _going_code(event, resident)
    client = client_for(co_lead)
    early = _move(event, attendance.CHECKIN_OPENS + timedelta(minutes=5))
    assert _scan(client, early, code).status_code == 400
    with pytest.raises(ValidationError) as self_check_in:
        attendance.checkin_with_code(
            event=early, member=resident, code=early.checkin_code
        )
    assert "opens two hours before" in self_check_in.value.message_dict["code"][0]
    open_now = _move(event, attendance.CHECKIN_OPENS - timedelta(minutes=5))
    response = _scan(client, open_now, code)
    assert response.status_code == 200
    assert f"<strong>{resident.listed_name}</strong>: checked in at" in page_text(
        response
    )
    assert Attendance.objects.filter(event=event, member=resident).exists()


@pytest.mark.parametrize("status", ["cancelled", "draft"])
def test_a_code_for_a_cancelled_or_draft_event_is_refused(status, resident, co_lead):
    event = EventFactory()
    code = _going_code(event, resident)
    event = _move(event, timedelta(minutes=30))
    if status == "cancelled":
        services.event_cancel(event=event, by=co_lead.user)
    else:
        Event.objects.filter(pk=event.pk).update(status=Event.Status.DRAFT)
    response = _scan(client_for(co_lead), event, code)
    assert response.status_code == 400
    page = page_text(response)
    assert (
        "This event was cancelled: nobody can check in"
        if status == "cancelled"
        else "This event isn't published: nobody can check in"
    ) in page
    assert f'value="{code}"' in page
    assert not Attendance.objects.filter(event=event).exists()


def test_after_the_event_organisers_still_enter_the_paper_sign_in_sheet(
    resident, co_lead
):
    """Members can't check themselves in a day later, but an organiser copying
    the paper sheet can: by the member's code or by a tap on the list."""
    event = EventFactory()
    other = MemberFactory()
    code = _going_code(event, resident)
    rsvps.rsvp_yes(event=event, member=other)
    event = _move(event, -timedelta(days=1))
    with pytest.raises(ValidationError):
        attendance.checkin_with_code(
            event=event, member=resident, code=event.checkin_code
        )
    client = client_for(co_lead)
    assert _scan(client, event, code).status_code == 200
    rsvp = event.rsvps.get(member=other)
    client.post(_checkin_url(event), {"rsvp": rsvp.pk, "present": "1"})
    assert set(event.attendances.values_list("member", flat=True)) == {
        resident.pk,
        other.pk,
    }


def test_odd_codes_before_check_in_opens_are_messages_not_errors(co_lead):
    event = EventFactory()
    client = client_for(co_lead)
    for code in ("", "x" * 40, "1-ABCDEF", "\x00", "99999999999999999999-AAAAAA"):
        response = _scan(client, event, code)
        assert response.status_code == 400, code


# --- 3. The report groups attendees as they were when they said yes ----------


def _year() -> int:
    today = timezone.localdate()
    return today.year if today.month >= 7 else today.year - 1


def test_attendees_are_grouped_as_they_were_when_they_said_yes(co_lead):
    """A PGY-1 on J-1 says yes; by the day of the event (1 July came between)
    they are a PGY-2 on H-1B, and their check-in records that. The report
    counts them as they were when they said yes. A walk-in without an RSVP is
    counted as they were when they checked in."""
    member = MemberFactory(training_stage="pgy1", visa_status="j1")
    walk_in = MemberFactory(training_stage="pgy3", visa_status="permanent_resident")
    event = EventFactory(starts_at=timezone.now() + timedelta(hours=1))
    event.ends_at = event.starts_at + timedelta(minutes=30)
    event.save(update_fields=["ends_at"])
    rsvps.rsvp_yes(event=event, member=member)
    Member.objects.filter(pk=member.pk).update(training_stage="pgy2", visa_status="h1b")
    member.refresh_from_db()
    attendance.attendance_mark(event=event, member=member, by=co_lead.user)
    attendance.attendance_mark(event=event, member=walk_in, by=co_lead.user)
    assert Attendance.objects.get(member=member).training_stage == "pgy2"
    _move(event, -timedelta(hours=3))
    report = selectors.gme_report(year=_year())
    assert report["by_stage"] == [("PGY-1", 1, 0), ("PGY-3", 1, 0)]
    visa = {label: came for label, came, _going in report["by_visa"]}
    assert visa.get("J-1") == 1 and "H-1B" not in visa
    assert sum(visa.values()) == 2
    page = page_text(client_for(co_lead).get(reverse("events:report")))
    assert "when each person said yes" in page


@pytest.mark.parametrize("name", ["events:report", "events:report_print"])
def test_the_report_costs_the_same_queries_with_10_and_1000_attendees(co_lead, name):
    event = EventFactory(
        budget=Decimal("100"),
        actual_cost=Decimal("50"),
        starts_at=timezone.now() - timedelta(hours=3),
    )
    event.ends_at = event.starts_at + timedelta(hours=2)
    event.save(update_fields=["ends_at"])
    client = client_for(co_lead)
    url = reverse(name)
    client.get(url)  # warm the caches

    def count(n):
        have = event.attendances.count()
        members = bulk_members(n - have)
        Rsvp.objects.bulk_create(
            Rsvp(
                event=event,
                member=m,
                status="yes",
                training_stage="pgy1",
                visa_status="j1",
            )
            for m in members[::2]
        )
        Attendance.objects.bulk_create(
            Attendance(
                event=event,
                member=m,
                method="organiser",
                training_stage="pgy2",
                visa_status="h1b",
            )
            for m in members
        )
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    assert count(10) == count(1000)
    report = selectors.gme_report(year=_year())
    assert ("PGY-1", 500, 0) in report["by_stage"]
    assert ("PGY-2", 500, 0) in report["by_stage"]
