"""The home pages show each person what needs them next, one block per thing,
for every role they hold; empty blocks say what to do; every home runs a fixed
number of queries whatever is in its blocks."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from events import selectors as event_selectors
from events.models import Event, Rsvp
from handbook.models import Revision, Watch
from handbook.rules import add_months
from members.models import CoLeadInvitation, CoLeadTerm, ImportJob, Member, Role
from members.rules import academic_year_of
from mentorship.models import CheckIn, Match, MentorProfile, MentorshipRequest
from newsletters.models import Delivery, Newsletter
from tests.conftest import client_for
from tests.factories import (
    ChapterFactory,
    EventFactory,
    MemberFactory,
    bulk_members,
    bulk_published_pages,
    published_page,
)
from tracker.models import TrackedDocument, Trip

pytestmark = pytest.mark.django_db

# The most queries a home page may run, every block full. Measured when written:
# resident 23, mentor 23, GME staff 20, co-lead 35 (a co-lead is a resident too).
HOME_QUERY_CEILING = 40


def home(member) -> str:
    response = client_for(member).get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def block(page: str, key: str) -> str:
    """The HTML of one block of the home page ('' when it isn't there)."""
    start = page.find(f'data-block="{key}"')
    if start == -1:
        return ""
    end = page.find("</section>", start)
    return page[start:end]


def blocks_in_order(page: str) -> list[str]:
    return re.findall(r'data-block="([\w-]+)"', page)


def mentor_profile(member: Member, **fields) -> MentorProfile:
    return MentorProfile.objects.create(
        member=member, types=["career", "img_visa"], capacity=10, **fields
    )


def proposal(mentor: Member, mentee: Member, state=Match.State.PROPOSED) -> Match:
    profile = MentorProfile.objects.filter(member=mentor).first() or mentor_profile(
        mentor
    )
    request = MentorshipRequest.objects.create(
        mentee=mentee, types=["career"], goals="Fellowship in cardiology"
    )
    return Match.objects.create(
        request=request,
        mentor=profile,
        kind="career",
        state=state,
        proposed_at=timezone.now() - timedelta(days=10),
        answered_at=timezone.now() - timedelta(days=9)
        if state == Match.State.ACTIVE
        else None,
    )


# --- Resident ---------------------------------------------------------------------


def test_resident_sees_the_event_they_said_yes_to(resident):
    event = EventFactory(title="Orientation panel for new PGY-1s")
    Rsvp.objects.create(event=event, member=resident, status=Rsvp.Status.YES)
    EventFactory(title="Taxes workshop")
    events = block(home(resident), "my-events")
    assert "Orientation panel for new PGY-1s" in events
    assert "You're going" in events
    # The next event they haven't answered, with a way to RSVP.
    assert "Taxes workshop" in events
    assert "RSVP" in events


def test_resident_without_events_is_told_to_browse_them(resident):
    events = block(home(resident), "my-events")
    assert "No events coming up" in events
    assert reverse("events:list") in events


def test_resident_sees_the_passport_warning_from_my_status(resident):
    today = timezone.localdate()
    resident.expected_completion = today + timedelta(days=700)
    resident.save()
    TrackedDocument.objects.create(
        member=resident, kind="passport", on=add_months(today, 4)
    )
    page = home(resident)
    status = block(page, "my-status")
    assert "Your passport expires on" in status
    assert "Renew it before you travel" in status
    assert "Passport" in status  # among the next dates
    # Something needs them: the block comes first.
    assert blocks_in_order(page)[0] == "my-status"


def test_resident_with_nothing_tracked_is_told_to_add_dates(resident):
    status = block(home(resident), "my-status")
    assert "Nothing tracked yet" in status
    assert reverse("tracker:document_create") in status


def test_resident_sees_their_mentors_answer(resident, mentor):
    match = proposal(mentor, resident, state=Match.State.ACTIVE)
    mentoring = block(home(resident), "my-mentoring")
    assert str(mentor) in mentoring
    assert "Active" in mentoring
    assert match.get_absolute_url() in mentoring


def test_resident_without_a_mentor_is_told_to_ask_for_one(resident):
    mentoring = block(home(resident), "my-mentoring")
    assert "No mentor yet" in mentoring
    assert reverse("mentorship:request") in mentoring


def test_resident_sees_pages_changed_since_their_last_visit_in_watched_chapters(
    resident, co_lead
):
    chapter = ChapterFactory(title="Housing")
    Watch.objects.create(
        member=resident, chapter=chapter, created_at=timezone.now() - timedelta(1)
    )
    published_page(by=co_lead.user, chapter=chapter, title="Finding a flat")
    published_page(by=co_lead.user, title="Unwatched chapter page")
    client = client_for(resident)
    changes = block(client.get(reverse("home")).content.decode(), "handbook-changes")
    assert "Finding a flat" in changes
    assert "Unwatched chapter page" not in changes
    # Reloading during the same visit keeps the list.
    again = block(client.get(reverse("home")).content.decode(), "handbook-changes")
    assert "Finding a flat" in again
    # The next visit (a new sign-in) counts from this one: nothing new.
    later = block(home(resident), "handbook-changes")
    assert "Finding a flat" not in later
    assert "Nothing changed in what you watch since your last visit" in later
    published_page(by=co_lead.user, chapter=chapter, title="Deposits and leases")
    assert "Deposits and leases" in block(home(resident), "handbook-changes")


def test_resident_watching_nothing_is_told_how_to_watch(resident):
    changes = block(home(resident), "handbook-changes")
    assert "You watch no chapters yet" in changes


def test_resident_sees_no_staff_blocks(resident, pending_member):
    page = home(resident)
    for key in (
        "join-requests",
        "drafts",
        "in-progress",
        "co-lead-seats",
        "staff-events",
        "spend",
        "proposals",
    ):
        assert block(page, key) == "", key
    assert pending_member.user.email not in page


# --- Mentor -----------------------------------------------------------------------


def test_mentor_sees_a_proposal_with_a_link_to_answer(mentor):
    mentee = MemberFactory(user__first_name="Amara", user__last_name="Okafor")
    match = proposal(mentor, mentee)
    page = home(mentor)
    proposals = block(page, "proposals")
    assert "Amara Okafor" in proposals
    assert f'href="{match.get_absolute_url()}">Answer' in proposals
    assert "J-1" not in proposals  # the mentee's visa status stays theirs
    assert blocks_in_order(page)[0] == "proposals"


def test_mentor_sees_their_mentees_next_check_in(mentor):
    mentee = MemberFactory(user__first_name="Kenji", user__last_name="Sato")
    match = proposal(mentor, mentee, state=Match.State.ACTIVE)
    met = timezone.localdate() - timedelta(days=40)
    CheckIn.objects.create(match=match, met_on=met, notes="Talked about Step 3")
    checkins = block(home(mentor), "checkins")
    assert "Kenji Sato" in checkins
    assert f"last met {met:%-d %b}" in checkins
    assert "overdue" in checkins


def test_mentor_without_proposals_or_mentees_is_told_what_to_do(mentor):
    page = home(mentor)
    assert "set up your mentor profile" in block(page, "proposals")
    assert "No active mentees yet" in block(page, "checkins")
    mentor_profile(mentor, accepting=False)
    assert "you are paused" in block(home(mentor), "proposals")


# --- GME staff --------------------------------------------------------------------


def test_gme_staff_see_upcoming_events_with_their_rsvps(gme_staff, resident):
    event = EventFactory(title="IMG happy hour", capacity=30)
    Rsvp.objects.create(event=event, member=resident, status=Rsvp.Status.YES)
    events = page_text_of(block(home(gme_staff), "staff-events"))
    assert "IMG happy hour" in events
    assert "1 of 30 seats" in events


def test_gme_staff_see_this_years_spend(gme_staff):
    today = timezone.localdate()
    start = timezone.now() - timedelta(days=1)
    if academic_year_of((start).date()) != academic_year_of(today):
        start = timezone.now() + timedelta(hours=1)
    EventFactory(starts_at=start, budget=500, actual_cost=Decimal("1234.50"))
    EventFactory(starts_at=start, budget=200, actual_cost=Decimal("100"))
    EventFactory(starts_at=start, funding="other", actual_cost=Decimal("999"))
    EventFactory(starts_at=start, status="cancelled", actual_cost=Decimal("777"))
    spend = block(home(gme_staff), "spend")
    assert "$1,334.50" in spend
    assert "$700.00" in spend
    # The same figures as the full funding report.
    report = event_selectors.gme_report(year=academic_year_of(today))
    assert report["totals"]["spent"] == Decimal("1334.50")
    assert report["totals"]["budget"] == Decimal("700")


def test_gme_staff_empty_blocks_say_what_to_do(gme_staff):
    page = home(gme_staff)
    assert "Create an event" in block(page, "staff-events")
    assert "No GME-funded events this academic year yet" in block(page, "spend")
    # GME staff who are not residents get no resident blocks.
    assert block(page, "my-status") == ""
    assert block(page, "my-mentoring") == ""


# --- Co-lead ----------------------------------------------------------------------


def test_co_lead_sees_a_join_request_and_a_draft_waiting(co_lead, handbook_editor):
    waiting = MemberFactory(
        status=Member.Status.PENDING, visa_status=Member.VisaStatus.O1
    )
    page_obj = published_page(by=co_lead.user, title="Renewing your visa")
    Revision.objects.create(
        page=page_obj,
        number=2,
        title="Renewing your visa",
        body="New wait times.",
        summary="New consulate wait times",
        author=handbook_editor.user,
    )
    page = home(co_lead)
    joins = block(page, "join-requests")
    assert waiting.user.email in joins
    assert "Approve<span" in joins
    assert "O-1" not in joins  # names, never beside a visa status
    drafts = block(page, "drafts")
    assert "Renewing your visa" in drafts
    assert "New consulate wait times" in drafts
    assert blocks_in_order(page)[:2] == ["join-requests", "drafts"]


def test_co_lead_sees_imports_sends_and_seats(co_lead):
    ImportJob.objects.create(
        uploaded_by=co_lead.user,
        filename="pgy1-2026.csv",
        content="email\n",
        status=ImportJob.Status.IMPORTING,
        total_rows=80,
        processed_rows=30,
    )
    letter = Newsletter.objects.create(
        subject="July welcome",
        body="Hello",
        status=Newsletter.Status.SENDING,
        created_by=co_lead.user,
        started_at=timezone.now(),
    )
    Delivery.objects.create(newsletter=letter, member=co_lead, email="a@example.org")
    Delivery.objects.create(
        newsletter=letter, member=MemberFactory(), email="b@example.org", status="sent"
    )
    CoLeadTerm.objects.filter(member=co_lead).update(
        end=timezone.localdate() + timedelta(days=20)
    )
    page = home(co_lead)
    progress = page_text_of(block(page, "in-progress"))
    assert "pgy1-2026.csv: Importing (30 of 80 rows)" in progress
    assert "July welcome: sending, 1 of 2 done" in progress
    seats = page_text_of(block(page, "co-lead-seats"))
    assert "1 of 2 co-lead seats filled" in seats
    assert f"{co_lead}: ends" in seats


def test_co_lead_empty_blocks_say_what_to_do(co_lead):
    page = home(co_lead)
    assert "Nobody is waiting" in block(page, "join-requests")
    assert "No drafts waiting for review" in block(page, "drafts")
    assert "Nothing in progress" in block(page, "in-progress")
    # A co-lead is a resident too: their own blocks are there, after the work.
    assert block(page, "my-status")
    assert "No mentor yet" in block(page, "my-mentoring")


def page_text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", html).split())


# --- Query budgets ------------------------------------------------------------------


def fill(n: int, member: Member, staff) -> None:
    """`n` rows in every block any home page shows, for `member`."""
    now = timezone.now()
    today = timezone.localdate()
    others = bulk_members(2 * n)
    events = Event.objects.bulk_create(
        Event(
            title=f"Event {i}",
            kind="social",
            starts_at=now + timedelta(days=1 + i),
            ends_at=now + timedelta(days=1 + i, hours=2),
            status="published",
            published_at=now,
            created_by=staff.user,
            budget=100,
            actual_cost=50,
        )
        for i in range(2 * n)
    )
    Rsvp.objects.bulk_create(
        Rsvp(event=event, member=member, status=Rsvp.Status.YES) for event in events[:n]
    )
    Rsvp.objects.bulk_create(
        Rsvp(event=event, member=other, status=Rsvp.Status.YES)
        for event in events
        for other in others[:3]
    )
    # My status: appointments (the one kind that repeats) and trips, with warnings.
    TrackedDocument.objects.bulk_create(
        TrackedDocument(member=member, kind="appointment", on=today + timedelta(i + 1))
        for i in range(n)
    )
    Trip.objects.bulk_create(
        Trip(
            member=member,
            country="IN",
            leaves_on=today + timedelta(10 + i),
            returns_on=today + timedelta(20 + i),
        )
        for i in range(n)
    )
    # Mentoring, both sides.
    profile = MentorProfile.objects.filter(member=member).first() or mentor_profile(
        member
    )
    for i, other in enumerate(others[:n]):
        theirs = mentor_profile(other)
        closed = MentorshipRequest.objects.create(
            mentee=member, types=["career"], goals="g", status="closed"
        )
        Match.objects.create(
            request=closed,
            mentor=theirs,
            kind="career",
            state="active",
            proposed_at=now - timedelta(2),
            answered_at=now - timedelta(1),
        )
        request = MentorshipRequest.objects.create(
            mentee=other, types=["career", "research"], goals="g"
        )
        Match.objects.create(request=request, mentor=profile, kind="career")
        active = Match.objects.create(
            request=request,
            mentor=profile,
            kind="research",
            state="active",
            proposed_at=now - timedelta(2),
            answered_at=now - timedelta(1),
        )
        CheckIn.objects.create(match=active, met_on=today - timedelta(i), notes="n")
    # The handbook: a watched chapter with changed pages and drafts.
    chapter = ChapterFactory()
    Watch.objects.create(member=member, chapter=chapter, created_at=now - timedelta(1))
    bulk_published_pages(chapter, n, author=staff.user)
    Revision.objects.bulk_create(
        Revision(
            page=page,
            number=2,
            title=page.title,
            body="Draft",
            summary="A draft",
            author=staff.user,
        )
        for page in chapter.pages.filter(revisions__number=1)
    )
    # Co-lead work: join requests, deletions, imports, sends, terms, invitations.
    bulk_members(n, status=Member.Status.PENDING)
    ImportJob.objects.bulk_create(
        ImportJob(
            uploaded_by=staff.user,
            filename=f"roster-{i}.csv",
            content="email\n",
            status="previewed",
        )
        for i in range(n)
    )
    for i in range(n):
        letter = Newsletter.objects.create(
            subject=f"Letter {i}",
            body="b",
            status="sending",
            created_by=staff.user,
            started_at=now,
        )
        Delivery.objects.bulk_create(
            Delivery(newsletter=letter, member=other, email=f"{i}-{j}@example.org")
            for j, other in enumerate(others[:3])
        )
    CoLeadTerm.objects.bulk_create(
        CoLeadTerm(member=other, start=today - timedelta(100), end=today + timedelta(i))
        for i, other in enumerate(others[n : 2 * n])
    )
    CoLeadInvitation.objects.bulk_create(
        CoLeadInvitation(
            invitee=other, invited_by=staff, handover_on=today + timedelta(30)
        )
        for other in others[:n]
    )


def _queries_for(client) -> int:
    client.get(reverse("home"))  # warm: sessions, content types, the visit
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["resident", "mentor", "gme_staff", "co_lead"])
def test_every_home_runs_the_same_queries_with_2_and_25_rows_in_every_block(
    role, request, co_lead
):
    member = request.getfixturevalue(role)
    client = client_for(member)
    fill(2, member, co_lead)
    small = _queries_for(client)
    page = client.get(reverse("home")).content.decode()
    fill(23, member, co_lead)
    large = _queries_for(client)
    assert large == small
    assert large <= HOME_QUERY_CEILING
    full = client.get(reverse("home")).content.decode()
    # The same blocks, now full: 25 rows each, a few shown and the rest counted.
    assert blocks_in_order(full) == blocks_in_order(page)
    assert "And 20 more" in full


def test_an_editor_sees_their_edit_sent_back_until_they_edit_it_again(co_lead):
    """Review fix: "request changes" is the author's next step on their home."""
    from handbook import services as handbook_services

    editor = MemberFactory(roles=[Role.RESIDENT, Role.HANDBOOK_EDITOR])
    page = published_page(by=co_lead.user)
    draft = handbook_services.revision_save(
        page=page,
        title=page.title,
        body=page.published_revision.body + "\n\nDeposits are often two months.",
        summary="Deposits",
        author=editor.user,
        base=page.published_revision,
    )
    client = client_for(editor)
    assert 'data-testid="home-sent-back"' not in client.get("/").content.decode()
    handbook_services.revision_request_changes(
        revision=draft, by=co_lead.user, comment="Name the source."
    )
    home = client.get("/").content.decode()
    assert 'data-testid="home-sent-back"' in home
    assert draft.get_absolute_url() in home
    # The reviewer's home doesn't list someone else's sent-back edit.
    assert 'data-testid="home-sent-back"' not in (
        client_for(co_lead).get("/").content.decode()
    )
    handbook_services.revision_save(
        page=page,
        title=page.title,
        body=draft.body + " (see the attorney general's site)",
        summary="Deposits, with the source",
        author=editor.user,
        base=draft,
    )
    assert 'data-testid="home-sent-back"' not in client.get("/").content.decode()
