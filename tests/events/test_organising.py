"""Announcing, check-in, feedback and GME's report, as the people who use them."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from events import attendance, rsvps, selectors, services
from events.models import Attendance, Event
from newsletters.models import Delivery
from notifications.models import Category
from tests.conftest import client_for, page_text, post_confirmed
from tests.factories import EventFactory, MemberFactory, bulk_members, event_on_the_day

pytestmark = pytest.mark.django_db


def _form(**overrides):
    start = timezone.localtime(timezone.now() + timedelta(days=14)).replace(
        hour=18, minute=0
    )
    data = {
        "title": "Orientation panel for incoming residents",
        "kind": "orientation_panel",
        "description": "Meet **senior IMGs**.",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "place": "Auditorium A",
        "online_url": "",
        "capacity": "40",
        "guests_allowed": "0",
        "rsvp_deadline": "",
        "funding": "gme",
        "funding_source": "",
        "budget": "800",
        "actual_cost": "",
        "panelists": "Dr Ana Ruiz, PGY-3 Internal Medicine\nDr Kofi Mensah",
    }
    data.update(overrides)
    return data


def test_gme_staff_create_then_publish_and_the_audience_is_emailed(
    gme_staff, django_capture_on_commit_callbacks
):
    audience = MemberFactory.create_batch(3)
    client = client_for(gme_staff)
    response = client.post(reverse("events:create"), _form())
    event = Event.objects.get()
    assert response.url == event.get_absolute_url()
    assert event.status == "draft"
    assert [p.name for p in event.panelists.all()] == ["Dr Ana Ruiz", "Dr Kofi Mensah"]
    page = page_text(client.get(event.get_absolute_url()))
    assert "Publishing emails the announcement to" in page
    with django_capture_on_commit_callbacks(execute=True):
        post_confirmed(
            client, reverse("events:action", args=[event.pk]), {"action": "publish"}
        )
    event.refresh_from_db()
    assert event.status == "published"
    assert event.announcement.category == Category.EVENT_ANNOUNCEMENTS
    deliveries = Delivery.objects.filter(newsletter=event.announcement)
    assert deliveries.filter(status="sent").count() == 3 + 1  # and the GME member
    message = next(m for m in mail.outbox if m.to == [audience[0].user.email])
    assert message.subject == "New event: Orientation panel for incoming residents"
    assert event.get_absolute_url() in message.body
    assert "event announcements" in message.body.lower()
    # The announcement is not a newsletter in the archive.
    archive = client_for(audience[0]).get(reverse("newsletters:archive"))
    assert "New event" not in page_text(archive)


def test_bad_event_input_is_shown_next_to_the_field_and_kept(co_lead):
    client = client_for(co_lead)
    form = _form(title="Kept title")
    form["ends_at"] = form["starts_at"].replace("T18", "T17")
    response = client.post(reverse("events:create"), form)
    assert response.status_code == 200
    page = page_text(response)
    assert "The end must be after the start." in page
    assert 'value="Kept title"' in page
    assert not Event.objects.exists()
    response = client.post(
        reverse("events:create"), _form(funding="other", funding_source="")
    )
    assert "Say where the money comes from." in page_text(response)


def test_publishing_to_an_audience_of_nobody_is_refused(co_lead):
    event = EventFactory(status="draft", audience={"home_countries": ["IS"]})
    response = client_for(co_lead).post(
        reverse("events:action", args=[event.pk]), {"action": "publish"}, follow=True
    )
    assert "matches no active member" in page_text(response)
    event.refresh_from_db()
    assert event.status == "draft"


def test_residents_cannot_create_or_publish_and_do_not_see_drafts(resident):
    draft = EventFactory(status="draft", title="Secret draft")
    client = client_for(resident)
    assert client.get(reverse("events:create")).status_code == 403
    assert (
        client.post(
            reverse("events:action", args=[draft.pk]), {"action": "publish"}
        ).status_code
        == 403
    )
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert "Secret draft" not in page_text(client.get(reverse("events:list")))


def test_organisers_check_people_in_with_one_tap_and_search_by_name(mentor):
    event = event_on_the_day()
    event.organisers.add(mentor)
    ana = MemberFactory(user__first_name="Ana", user__last_name="Ruiz")
    kofi = MemberFactory(user__first_name="Kofi", user__last_name="Mensah")
    for member in (ana, kofi):
        rsvps.rsvp_yes(event=event, member=member)
    client = client_for(mentor)
    page = page_text(client.get(reverse("events:checkin", args=[event.pk]) + "?q=ruiz"))
    assert "Ana" in page and "Kofi" not in page
    rsvp = event.rsvps.get(member=ana)
    client.post(
        reverse("events:checkin", args=[event.pk]), {"rsvp": rsvp.pk, "present": "1"}
    )
    client.post(
        reverse("events:checkin", args=[event.pk]), {"rsvp": rsvp.pk, "present": "1"}
    )
    assert list(Attendance.objects.values_list("member", flat=True)) == [ana.pk]
    # A resident who is not an organiser sees no names.
    assert (
        client_for(kofi).get(reverse("events:checkin", args=[event.pk])).status_code
        == 403
    )


def test_members_check_in_with_the_code_shown_in_the_room(resident):
    event = EventFactory(
        starts_at=timezone.now() - timedelta(minutes=10),
        ends_at=timezone.now() + timedelta(hours=1),
    )
    client = client_for(resident)
    url = reverse("events:code_checkin", args=[event.pk])
    response = client.post(url, {"code": "WRONG1"})
    assert "That code isn't right for this event." in page_text(response)
    client.post(url, {"code": event.checkin_code.lower()})
    assert Attendance.objects.filter(event=event, member=resident).exists()


def test_attendees_get_a_survey_and_organisers_read_the_results(
    co_lead, resident, django_capture_on_commit_callbacks
):
    event = EventFactory(
        starts_at=timezone.now() - timedelta(hours=4),
        ends_at=timezone.now() - timedelta(hours=2),
    )
    absent = MemberFactory()
    attendance.attendance_mark(event=event, member=resident, by=co_lead.user)
    with django_capture_on_commit_callbacks(execute=True):
        assert attendance.feedback_requests_send() == 1
        assert attendance.feedback_requests_send() == 0
    (request,) = mail.outbox
    assert request.to == [resident.user.email]
    url = reverse("events:feedback", args=[event.pk])
    assert url in request.body
    posted = client_for(resident).post(url, {"rating": "4", "comment": "Great panel"})
    assert posted.status_code == 302, page_text(posted)[-3000:]
    response = client_for(absent).post(url, {"rating": "1", "comment": "x"})
    assert "Only people who checked in" in page_text(response)
    results = page_text(
        client_for(co_lead).get(reverse("events:feedback_results", args=[event.pk]))
    )
    assert "1 answer, average <strong>4.0</strong> out of 5" in results
    assert "Great panel" in results


def test_the_gme_report_adds_up_one_academic_year_and_exports_csv(co_lead):
    tz = timezone.get_current_timezone()
    in_year = timezone.datetime(2025, 9, 10, 18, tzinfo=tz)
    panel = EventFactory(
        title="=Panel",
        starts_at=in_year,
        ends_at=in_year + timedelta(hours=2),
        budget=Decimal("600"),
        actual_cost=Decimal("450"),
    )
    social = EventFactory(
        title="Happy hour",
        starts_at=in_year + timedelta(days=30),
        ends_at=in_year + timedelta(days=30, hours=2),
        funding="other",
        funding_source="Alumni fund",
        budget=None,
        actual_cost=Decimal("100"),
    )
    EventFactory(  # the next academic year: not counted
        starts_at=timezone.datetime(2026, 7, 2, 18, tzinfo=tz),
        ends_at=timezone.datetime(2026, 7, 2, 20, tzinfo=tz),
    )
    j1_pgy1 = MemberFactory()
    h1b = MemberFactory(visa_status="h1b", training_stage="pgy2")
    for member in (j1_pgy1, h1b):
        attendance.attendance_mark(event=panel, member=member, by=co_lead.user)
    attendance.attendance_mark(event=social, member=j1_pgy1, by=co_lead.user)
    report = selectors.gme_report(year=2025)
    assert report["totals"]["gme_events"] == 1
    assert report["totals"]["spent"] == Decimal("450")
    assert report["totals"]["attended"] == 3
    assert report["totals"]["cost_per_attendee"] == Decimal("225.00")
    assert report["by_visa"] == [("J-1", 2, 0), ("H-1B", 1, 0)]
    assert report["by_stage"] == [("PGY-1", 2, 0), ("PGY-2", 1, 0)]
    page = page_text(client_for(co_lead).get(reverse("events:report") + "?year=2025"))
    assert "2025–26" in page and "$225.00" in page
    assert j1_pgy1.user.last_name not in page  # counts only
    response = client_for(co_lead).get(reverse("events:report_csv") + "?year=2025")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1][1] == "'=Panel"  # formulas neutralised
    by_name = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert by_name[0]["Cost per attendee (USD)"] == "225.00"
    assert by_name[0]["Held or upcoming"] == "held"
    assert by_name[0]["Attended members"] == "2"
    assert by_name[1]["Funding"] == "Alumni fund"


def test_the_weekly_digest_lists_new_and_changed_events(co_lead):
    new = EventFactory(title="Brand new")
    moved = EventFactory(title="Moved one")
    Event.objects.filter(pk=moved.pk).update(
        published_at=timezone.now() - timedelta(days=20)
    )
    moved.refresh_from_db()
    moved.place = "Elsewhere"
    services.event_save(event=moved, by=co_lead.user)
    title, lines = selectors.digest_events(timezone.now() - timedelta(days=7))
    assert title == "Events"
    assert any(line.startswith("New: Brand new") for line in lines)
    assert any(line.startswith("Changed: Moved one") for line in lines)
    assert new.get_absolute_url() in " ".join(lines)


@pytest.mark.parametrize("page", ["events:list", "events:calendar", "events:detail"])
def test_event_pages_run_the_same_queries_with_10_and_1000_events_and_rsvps(
    page, resident
):
    """The list, calendar and detail pages cost the same number of queries with
    10 events and 10 RSVPs each as with 1,000 events and 1,000 RSVPs on one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from events.models import Rsvp

    client = client_for(resident)
    first = EventFactory()
    rsvps.rsvp_yes(event=first, member=resident)

    def count(n):
        extra = n - Event.objects.count()
        Event.objects.bulk_create(
            Event(
                title=f"E{i}",
                kind="social",
                starts_at=first.starts_at,
                ends_at=first.ends_at,
                status="published",
                created_by=first.created_by,
            )
            for i in range(extra)
        )
        members = bulk_members(n - Rsvp.objects.filter(event=first).count())
        Rsvp.objects.bulk_create(
            Rsvp(event=first, member=m, status="yes") for m in members
        )
        args = [first.pk] if page == "events:detail" else []
        client.get(reverse(page, args=args))  # warm caches (session, perms)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(page, args=args)).status_code == 200
        return len(queries)

    assert count(10) == count(1000)
