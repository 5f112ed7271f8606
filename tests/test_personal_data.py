"""A member's data: every app answers for what it holds; the download has all of
it, and anonymising leaves none of it anywhere in the database."""

import json
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.db.models import CharField, JSONField, TextField
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone

from events import rsvps as events_rsvps
from events import services as event_services
from events.models import Answer, Attendance, Feedback, Guest, Question, Rsvp
from imgportal.personal_data import REGISTRY, claimed_models
from members import services as member_services
from members.models import DeletionRequest, ImportJob, LeadershipRole, Member, User
from mentorship.models import CheckIn, Match, MentorProfile, MentorshipRequest
from newsletters.models import Delivery, Newsletter
from notifications.models import EmailPreferences
from notifications.outbox import email_queue
from tests.conftest import client_for, page_text
from tests.factories import EventFactory, MemberFactory, published_page
from tracker.models import TrackedDocument, Trip

pytestmark = pytest.mark.django_db

CANARIES = [
    "Zebulon",
    "Quixotic",
    "zq.canary@example.org",
    "555-0199-777",
    "CANARY-BIO",
    "CANARY-INTERESTS",
    "CANARY-SCHOOL",
    "CANARY-ROLE",
    "CANARY-GOALS",
    "CANARY-QUESTION",
    "CANARY-ANSWER",
    "CANARY-NOTES",
    "CANARY-FEEDBACK",
    "CANARY-TRIP",
    "CANARY-PASSPORT",
    "CANARY-MENTOR-BIO",
    "CANARY-MENTEE-FEEDBACK",
    "CANARY-DIET",
    "CANARY-GUEST",
]


def test_every_model_that_points_at_a_member_or_user_is_claimed_by_an_app():
    unclaimed = []
    for model in apps.get_models():
        related = {
            f.related_model
            for f in model._meta.get_fields()
            if f.is_relation and (f.concrete or (f.many_to_many and not f.auto_created))
        }
        if related & {Member, User} and model._meta.label not in claimed_models():
            unclaimed.append(model._meta.label)
    assert unclaimed == [], f"add these to an app's hooks.py: {unclaimed}"
    assert {"members", "events", "mentorship", "newsletters", "tracker"} <= set(
        REGISTRY
    )


@pytest.fixture
def person(co_lead, mentor, django_capture_on_commit_callbacks):
    """A member with something in every app."""
    member = MemberFactory(
        user__first_name="Zebulon",
        user__last_name="Quixotic",
        user__email="zq.canary@example.org",
        phone="555-0199-777",
        bio="CANARY-BIO",
        interests="CANARY-INTERESTS",
        medical_school="CANARY-SCHOOL",
        languages=["en", "es"],
    )
    member_services.member_update_profile(
        member=member,
        by=member.user,
        data={"bio": "CANARY-BIO and more", "pronouns": "he/him"},
        user_data={"first_name": "Zebulon", "last_name": "Quixotic"},
    )
    LeadershipRole.objects.create(
        member=member, kind="wellness", title="CANARY-ROLE", start=date(2025, 7, 1)
    )
    EmailPreferences.objects.create(member=member, unsubscribed=["digest"])
    newsletter = Newsletter.objects.create(
        subject="Hello", body="Hi", created_by=co_lead.user, status="sent"
    )
    Delivery.objects.create(
        newsletter=newsletter,
        member=member,
        email=member.user.email,
        status="failed",
        error="550 zq.canary@example.org unknown",
    )
    email_queue(
        key=f"test-welcome:{member.pk}",
        to=member.user.email,
        subject="Welcome, Zebulon",
        body_text="Dear Zebulon Quixotic, welcome.",
    )
    # Events: a seat at an upcoming full event (someone waits), a past one
    # attended, with feedback.
    upcoming = EventFactory(capacity=1)
    events_rsvps.rsvp_yes(event=upcoming, member=member)
    waiting = MemberFactory()
    events_rsvps.rsvp_yes(event=upcoming, member=waiting)
    past = EventFactory(
        starts_at=timezone.now() - timedelta(days=3),
        ends_at=timezone.now() - timedelta(days=3) + timedelta(hours=2),
    )
    past_rsvp = Rsvp.objects.create(event=past, member=member, status="yes", guests=1)
    diet = Question.objects.create(event=past, label="Dietary needs", kind="text")
    Answer.objects.create(rsvp=past_rsvp, question=diet, value="CANARY-DIET")
    Guest.objects.create(rsvp=past_rsvp, name="CANARY-GUEST Quixotic", age="child")
    Attendance.objects.create(event=past, member=member, method="organiser")
    Feedback.objects.create(
        event=past, member=member, rating=5, comment="CANARY-FEEDBACK"
    )
    event_services.calendar_feed_for(member)
    # Tracker.
    TrackedDocument.objects.create(
        member=member, kind="passport", on=date(2030, 1, 1), notes="CANARY-PASSPORT"
    )
    Trip.objects.create(
        member=member,
        country="IN",
        leaves_on=date(2030, 1, 1),
        returns_on=date(2030, 1, 9),
        notes="CANARY-TRIP",
    )
    # Handbook.
    page = published_page(by=co_lead.user)
    member.handbook_watches.create(page=page)
    # Mentoring, on both sides.
    wanted = MentorshipRequest.objects.create(
        mentee=member, types=["career"], goals="CANARY-GOALS"
    )
    theirs = MentorProfile.objects.create(member=mentor, types=["career"])
    match = Match.objects.create(
        request=wanted,
        mentor=theirs,
        kind="career",
        state="active",
        question="CANARY-QUESTION",
        answer="CANARY-ANSWER",
        mentee_feedback="CANARY-MENTEE-FEEDBACK",
    )
    CheckIn.objects.create(match=match, met_on=date(2026, 1, 5), notes="CANARY-NOTES")
    MentorProfile.objects.create(
        member=member, types=["near_peer"], bio="CANARY-MENTOR-BIO"
    )
    # A roster upload with their row among others.
    ImportJob.objects.create(
        uploaded_by=co_lead.user,
        filename="roster.csv",
        content="email,first_name\nzq.canary@example.org,Zebulon\nother@example.org,Ann",
        status="done",
    )
    return member, upcoming, waiting


def test_the_download_holds_every_section_and_every_value(person):
    member, _, _ = person
    client = client_for(member)
    data = json.loads(client.get(reverse("members:my_data")).content)
    for section in (
        "account",
        "profile",
        "leadership_roles",
        "changes_to_your_record",
        "emails_to_you",
        "email_preferences",
        "newsletters_sent_to_you",
        "event_rsvps",
        "event_attendance",
        "event_feedback",
        "event_answers",
        "event_guests",
        "calendar_feed",
        "status_documents",
        "status_trips",
        "handbook_watches",
        "mentor_profile",
        "mentorship_requests",
        "mentorship_matches",
        "mentorship_checkins",
    ):
        assert data.get(section), section
    text = json.dumps(data)
    for canary in CANARIES:
        if canary != "CANARY-BIO":  # replaced by the later edit
            assert canary in text, canary
    assert data["email_preferences"]["unsubscribed"] == ["digest"]
    assert data["profile"]["visa_status"] == "j1"  # their own
    page = page_text(client.get(reverse("members:my_data_page")))
    for heading in ("Mentorship matches", "Event feedback", "Email preferences"):
        assert heading in page
    assert "CANARY-QUESTION" in page and "CANARY-FEEDBACK" in page


def _database_holds(text: str) -> list[str]:
    """Every text or JSON column of every table, searched for `text`."""
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if not isinstance(field, CharField | TextField | JSONField):
                continue
            rows = model._default_manager.annotate(
                _as_text=Cast(field.name, TextField())
            ).filter(_as_text__icontains=text)
            if rows.exists():
                found.append(f"{model._meta.label}.{field.name}")
    return found


def test_anonymising_leaves_nothing_personal_anywhere(
    person, co_lead, django_capture_on_commit_callbacks
):
    member, upcoming, waiting = person
    assert "members.AuditEntry.changes" not in _database_holds("CANARY-BIO")
    request = DeletionRequest.objects.create(member=member)
    with django_capture_on_commit_callbacks(execute=True):
        member_services.deletion_request_confirm(request=request, by=co_lead.user)
    leftovers = {canary: _database_holds(canary) for canary in CANARIES}
    assert {c: where for c, where in leftovers.items() if where} == {}
    # What stays, nameless: past attendance for the funding report, the rating.
    assert Attendance.objects.filter(member=member).count() == 1
    assert Feedback.objects.get(member=member).rating == 5
    # The seat at the upcoming event went to the person waiting.
    assert Rsvp.objects.get(event=upcoming, member=waiting).status == "offered"
    assert ImportJob.objects.get().content == "email,first_name\nother@example.org,Ann"
