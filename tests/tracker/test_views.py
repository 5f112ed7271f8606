"""The status tracker as its owner uses it, and as nobody else can."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from events import services as event_services
from members.models import DeletionRequest, Member
from members.services import deletion_request_confirm
from notifications import preferences
from notifications.models import Category, OutboundEmail
from tests.conftest import client_for, page_text
from tests.factories import MemberFactory, published_page
from tracker import selectors, services
from tracker.models import ChecklistTick, TrackedDocument, Trip

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def _doc(member, kind, on, **extra):
    return TrackedDocument.objects.create(member=member, kind=kind, on=on, **extra)


def test_a_member_adds_a_document_and_sees_it_with_what_to_do(resident):
    client = client_for(resident)
    on = TODAY() + timedelta(days=40)
    response = client.post(
        reverse("tracker:document_create"),
        {"kind": "continuation", "on": on.isoformat(), "notes": "Pay slips sent"},
    )
    assert response.url == reverse("tracker:status")
    text = page_text(client.get(reverse("tracker:status")))
    assert "Yearly continuation of sponsorship" in text
    assert "Start 4–6 weeks ahead." in text
    assert "Pay slips sent" in text


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"kind": "passport", "starts_on": "2026-05-01", "on": "2026-04-01"},
            "on",
            "before the 'valid from' date",
        ),
        ({"kind": "passport", "on": "2126-04-01"}, "on", "more than 15 years away"),
        ({"kind": "i797_end", "on": "2027-04-01"}, "kind", "Select a valid choice"),
        ({"kind": "passport", "on": ""}, "on", "Enter the date."),
    ],
)
def test_bad_document_dates_are_field_errors_and_nothing_is_saved(
    resident, data, field, message
):
    response = client_for(resident).post(reverse("tracker:document_create"), data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not TrackedDocument.objects.exists()


def test_a_document_that_does_not_fit_the_status_is_refused_by_the_service(resident):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        services.document_save(
            document=TrackedDocument(member=resident, kind="i797_end", on=TODAY())
        )
    assert "kind" in error.value.message_dict


def test_a_trip_that_ends_before_it_starts_is_refused(resident):
    response = client_for(resident).post(
        reverse("tracker:trip_create"),
        {"country": "IN", "leaves_on": "2027-01-10", "returns_on": "2027-01-02"},
    )
    assert "You come back before you leave" in page_text(response)
    assert not Trip.objects.exists()


def test_a_planned_trip_shows_what_must_be_in_order_and_the_consulate_wait(
    resident, co_lead
):
    from tests.factories import TimelineFactory

    TimelineFactory(country="IN", post="Mumbai", wait_days=45)
    _doc(resident, "travel_signature", TODAY() - timedelta(days=300))
    _doc(resident, "visa_stamp", TODAY() + timedelta(days=20))
    client = client_for(resident)
    leaves = TODAY() + timedelta(days=60)
    client.post(
        reverse("tracker:trip_create"),
        {
            "country": "IN",
            "leaves_on": leaves.isoformat(),
            "returns_on": (leaves + timedelta(days=14)).isoformat(),
        },
    )
    text = page_text(client.get(reverse("tracker:status")))
    assert "Get a new travel signature before your trip to India" in text
    assert "Your visa stamp expires on" in text
    assert "Mumbai (J-1) 45 days" in text


def test_nobody_else_reaches_a_members_tracker(resident, co_lead, gme_staff):
    document = _doc(resident, "passport", TODAY() + timedelta(days=900), notes="ZQX")
    # A co-lead keeps their own tracker: another member's rows are not found.
    # GME staff who are not members have no tracker at all (403, issue 22).
    for other, refused in ((co_lead, 404), (gme_staff, 403)):
        client = client_for(other)
        edit = reverse("tracker:document_edit", args=[document.pk])
        assert client.get(edit).status_code == refused
        delete = reverse("tracker:document_delete", args=[document.pk])
        assert client.post(delete).status_code == refused
        assert "ZQX" not in page_text(client.get(reverse("tracker:status")))
    export = client_for(co_lead).get(reverse("members:export"))
    body = b"".join(export.streaming_content) if export.streaming else export.content
    assert export.status_code == 200 and b"ZQX" not in body
    assert TrackedDocument.objects.filter(pk=document.pk).exists()


def test_reminders_go_once_to_the_member_only_and_respect_the_choice(
    resident, mentor, django_capture_on_commit_callbacks
):
    on = date(2027, 3, 1)
    _doc(resident, "ds2019_end", on)
    _doc(mentor, "ds2019_end", on)
    preferences.unsubscribe(member_id=mentor.pk, category=Category.STATUS_REMINDERS)
    day = on - timedelta(days=90)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reminders_send(today=day) == 2
    assert services.reminders_send(today=day + timedelta(days=1)) == 2  # same key
    emails = OutboundEmail.objects.filter(idempotency_key__startswith="status-reminder")
    assert sorted(emails.values_list("to", "status")) == sorted(
        [(resident.user.email, "sent"), (mentor.user.email, "skipped")]
    )
    assert "DS-2019 end date" in emails.get(to=resident.user.email).subject
    services.reminders_send(today=on - timedelta(days=60))
    assert emails.filter(to=resident.user.email).count() == 2


def test_totals_count_only_members_who_opted_in_and_never_name_them(
    resident, mentor, gme_staff
):
    start, _end = selectors.quarter_bounds(TODAY())
    _doc(resident, "continuation", start + timedelta(days=1))
    _doc(mentor, "continuation", start + timedelta(days=1))
    client_for(resident).post(reverse("tracker:sharing"), {"share": "1"})
    response = client_for(gme_staff).get(reverse("tracker:totals"))
    counts = dict(response.context["counts"]["rows"])
    assert counts == {"Yearly continuation of sponsorship": 1}
    text = page_text(response)
    assert resident.user.last_name not in text and resident.user.email not in text


def test_newcomers_tick_the_arrival_checklist_and_co_leads_see_counts_only(
    co_lead,
):
    newcomer = MemberFactory(training_start=TODAY() + timedelta(days=20))
    client = client_for(newcomer)
    assert "Arrival checklist" in page_text(client.get(reverse("tracker:status")))
    client.post(reverse("tracker:checklist"), {"step": "ssn", "done": "1"})
    client.post(reverse("tracker:checklist"), {"step": "ssn", "done": "1"})
    assert ChecklistTick.objects.filter(member=newcomer).count() == 1
    checklist = client_for(co_lead).get(reverse("tracker:totals")).context["checklist"]
    assert checklist["newcomers"] == 1
    assert dict(checklist["steps"])["Apply for your Social Security number"] == 1


def _feed_days(token: str) -> list[date]:
    response = Client().get(reverse("events:feed", args=[token]))
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.content)
    return [c.decoded("dtstart") for c in calendar.walk("VEVENT")]


def test_the_events_feed_carries_no_tracker_dates(resident):
    _doc(resident, "ds2019_end", date(2029, 5, 1))
    assert _feed_days(event_services.calendar_feed_for(resident).token) == []


def test_the_private_feed_is_off_until_turned_on_and_carries_only_my_deadlines(
    resident, mentor
):
    _doc(resident, "passport", date(2029, 5, 1))
    _doc(mentor, "passport", date(2031, 1, 1))
    client = client_for(resident)
    url = reverse("events:my_calendar")
    assert "Turn on a private deadlines calendar" in page_text(client.get(url))
    client.post(url, {})  # an empty POST changes nothing
    feed = event_services.calendar_feed_for(resident)
    assert feed.private_token is None
    client.post(url, {"action": "private_on"})
    feed.refresh_from_db()
    assert _feed_days(feed.private_token) == [date(2029, 5, 1)]
    assert feed.private_token in page_text(client.get(url))
    # Turning it on again keeps the address; replacing it revokes the old one.
    client.post(url, {"action": "private_on"})
    first = feed.private_token
    feed.refresh_from_db()
    assert feed.private_token == first
    client.post(url, {"action": "private_reset"})
    feed.refresh_from_db()
    assert feed.private_token != first
    assert Client().get(reverse("events:feed", args=[first])).status_code == 404
    client.post(url, {"action": "private_off"})
    assert (
        Client().get(reverse("events:feed", args=[feed.private_token])).status_code
        == 404
    )
    feed.refresh_from_db()
    assert feed.private_token is None
    assert _feed_days(feed.token) == []


def test_anonymising_a_member_deletes_their_tracker(resident, co_lead):
    _doc(resident, "passport", date(2029, 5, 1))
    Trip.objects.create(
        member=resident, country="IN", leaves_on=TODAY(), returns_on=TODAY()
    )
    request = DeletionRequest.objects.create(member=resident)
    deletion_request_confirm(request=request, by=co_lead.user)
    assert not TrackedDocument.objects.exists() and not Trip.objects.exists()


def test_the_status_page_costs_the_same_with_5_and_50_trips(resident):
    client = client_for(resident)

    def count(n):
        while Trip.objects.filter(member=resident).count() < n:
            Trip.objects.create(
                member=resident,
                country="IN",
                leaves_on=TODAY() + timedelta(days=10),
                returns_on=TODAY() + timedelta(days=20),
            )
        client.get(reverse("tracker:status"))
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("tracker:status"))
        return len(queries)

    assert count(5) == count(50)


def test_handbook_pages_are_linked_from_the_timeline(resident, co_lead):
    from tests.factories import ChapterFactory

    chapter = ChapterFactory(slug="keeping-your-status")
    published_page(by=co_lead.user, chapter=chapter, slug="continuation-and-address")
    _doc(resident, "continuation", TODAY() + timedelta(days=30))
    links = selectors.status_page(resident, TODAY())["links"]
    assert links == {
        "keeping-your-status/continuation-and-address": (
            "/handbook/keeping-your-status/continuation-and-address/"
        )
    }


def test_the_demo_resident_has_a_j1_timeline_with_one_warning(settings):
    settings.DEBUG = True
    call_command("seed_demo", members=5)
    resident = Member.objects.get(user__email="resident@demo.imgportal.test")
    page = selectors.status_page(resident, TODAY())
    assert [w.code for w in page["warnings"]] == ["passport_short"]
    assert resident.tracked_documents.count() == 7


def test_a_members_own_data_download_includes_their_tracker(resident, mentor):
    _doc(resident, "passport", date(2029, 5, 1), notes="Mine")
    _doc(mentor, "passport", date(2031, 5, 1), notes="Not mine")
    data = client_for(resident).get(reverse("members:my_data")).json()
    assert [d["notes"] for d in data["status_documents"]] == ["Mine"]
    assert data["status_trips"] == []
