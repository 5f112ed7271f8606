"""The leadership opportunities board, shortlists and their reminders, and
recording the role a member got (issue 21, items 1 to 4)."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from leadership import services
from leadership.models import Opening, OpeningRole, ShortlistEntry
from members.models import LeadershipRole, Program, Specialty
from notifications import preferences
from notifications.models import Category
from tests.conftest import client_for, page_text
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _program(name="Internal Medicine Residency") -> Program:
    specialty = Specialty.objects.order_by("pk").first()
    return Program.objects.create(
        name=name, specialty=specialty, institution="Riverside"
    )


def _opening(**extra) -> Opening:
    today = timezone.localdate()
    values = {
        "title": "Program Evaluation Committee, PGY-2 seat",
        "kind": Opening.Kind.COMMITTEE,
        "how_to_apply": "Email the PD a paragraph on why.",
        "contact": "Dr Rao, rao@example.org",
        "deadline": today + timedelta(days=20),
        "status": Opening.Status.OPEN,
        **extra,
    }
    return Opening.objects.create(**values)


def _post_data(**extra) -> dict:
    return {
        "title": "Chief resident 2027–28",
        "kind": "chief",
        "program": "",
        "pgy_min": "2",
        "pgy_max": "3",
        "time_commitment": "10% protected time",
        "visa_limit": "ask",
        "visa_note": "",
        "description": "",
        "how_to_apply": "Letter to the PD.",
        "contact": "Dr Lee",
        "deadline": (timezone.localdate() + timedelta(days=30)).isoformat(),
        **extra,
    }


def test_co_leads_post_and_members_see_open_openings_only(resident, co_lead):
    client = client_for(co_lead)
    response = client.post(reverse("leadership:create"), _post_data())
    opening = Opening.objects.get(title="Chief resident 2027–28")
    assert response["Location"] == opening.get_absolute_url()
    assert opening.status == Opening.Status.OPEN
    closed = _opening(title="Closed one", status=Opening.Status.CLOSED)
    past = _opening(title="Past one", deadline=timezone.localdate() - timedelta(days=1))
    page = page_text(client_for(resident).get(reverse("leadership:board")))
    assert "Chief resident 2027–28" in page
    assert "PGY-2 to PGY-3" in page and "ask the program director" in page
    assert "Closed one" not in page and "Past one" not in page
    everything = page_text(
        client_for(resident).get(reverse("leadership:board") + "?show=all")
    )
    assert "Closed one" in everything and "Past one" in everything
    # A closed opening's page still opens (a saved link), marked closed.
    assert "This opening is closed" in page_text(
        client_for(resident).get(closed.get_absolute_url())
    )
    assert past.is_past_deadline()


def test_a_members_suggestion_waits_for_a_co_lead(resident, co_lead):
    # Posting it directly is refused: members suggest.
    refused = client_for(resident).post(
        reverse("leadership:create"), _post_data(title="Wellness council seat")
    )
    assert refused.status_code == 403
    assert not Opening.objects.exists()
    response = client_for(resident).post(
        reverse("leadership:suggest"), _post_data(title="Wellness council seat")
    )
    assert response.status_code == 302
    suggestion = Opening.objects.get(title="Wellness council seat")
    assert suggestion.status == Opening.Status.SUGGESTED
    board = page_text(client_for(resident).get(reverse("leadership:board")))
    assert "Wellness council seat" not in board
    assert client_for(resident).get(suggestion.get_absolute_url()).status_code == 404
    co = client_for(co_lead)
    assert "Wellness council seat" in page_text(
        co.get(reverse("leadership:suggestions"))
    )
    co.post(reverse("leadership:action", args=[suggestion.pk]), {"action": "approve"})
    suggestion.refresh_from_db()
    assert suggestion.status == Opening.Status.OPEN
    # A second click (or a second co-lead) changes nothing.
    co.post(reverse("leadership:action", args=[suggestion.pk]), {"action": "decline"})
    suggestion.refresh_from_db()
    assert suggestion.status == Opening.Status.OPEN
    assert "Wellness council seat" in page_text(
        client_for(resident).get(reverse("leadership:board"))
    )


def test_members_without_the_permission_cannot_edit_close_or_approve(resident):
    opening = _opening()
    client = client_for(resident)
    assert client.get(reverse("leadership:edit", args=[opening.pk])).status_code == 403
    response = client.post(
        reverse("leadership:action", args=[opening.pk]), {"action": "close"}
    )
    assert response.status_code == 403
    assert client.get(reverse("leadership:suggestions")).status_code == 403
    opening.refresh_from_db()
    assert opening.status == Opening.Status.OPEN


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("deadline", "2020-01-01", "The deadline has passed"),
        ("pgy_max", "1", "“Up to PGY” must be PGY-2 or later"),
        ("deadline", "31/31/2026", "Enter a valid date"),
        ("pgy_min", "12", "less than or equal to 8"),
    ],
)
def test_bad_input_is_refused_beside_the_field_keeping_the_typing(
    co_lead, field, value, message
):
    response = client_for(co_lead).post(
        reverse("leadership:create"), _post_data(**{field: value})
    )
    assert response.status_code == 400
    assert message in page_text(response)
    assert "Chief resident 2027–28" in response.content.decode()  # kept
    assert not Opening.objects.exists()


def test_filters_by_kind_program_pgy_and_deadline(resident):
    program = _program()
    today = timezone.localdate()
    _opening(title="IM chief", kind="chief", program=program, pgy_min=3, pgy_max=3)
    _opening(title="Journal club", kind="coordinator", pgy_min=1, pgy_max=2)
    _opening(title="Soon", deadline=today + timedelta(days=3))
    client = client_for(resident)

    def titles(query):
        page = page_text(client.get(reverse("leadership:board") + query))
        return {t for t in ("IM chief", "Journal club", "Soon") if t in page}

    assert titles("?kind=chief") == {"IM chief"}
    assert titles(f"?program={program.pk}") == {"IM chief", "Journal club", "Soon"}
    assert titles("?program=institution") == {"Journal club", "Soon"}
    assert titles("?pgy=1") == {"Journal club", "Soon"}
    assert titles("?deadline=week") == {"Soon"}
    # Odd values are ignored, never a 500.
    assert titles("?kind=zzz&pgy=x&program=%00&deadline=year") == {
        "IM chief",
        "Journal club",
        "Soon",
    }


def test_the_shortlist_is_private_and_co_leads_see_only_totals(
    resident, mentor, co_lead
):
    opening = _opening()
    client = client_for(resident)
    client.post(
        reverse("leadership:save", args=[opening.pk]), {"note": "ask PD about visa"}
    )
    client_for(mentor).post(reverse("leadership:save", args=[opening.pk]), {})
    page = page_text(client.get(reverse("leadership:shortlist")))
    assert opening.title in page
    assert (
        "ask PD about visa"
        in client.get(reverse("leadership:shortlist")).content.decode()
    )
    # Saving again changes the note, not the count.
    client.post(reverse("leadership:save", args=[opening.pk]), {"note": "asked: fine"})
    assert ShortlistEntry.objects.get(member=resident).note == "asked: fine"
    assert ShortlistEntry.objects.count() == 2
    co_page = page_text(client_for(co_lead).get(opening.get_absolute_url()))
    assert "2 members shortlisted this" in co_page
    assert resident.display_name not in co_page
    assert "asked: fine" not in co_page
    # The mentor's shortlist doesn't show the resident's note.
    assert (
        "asked: fine"
        not in client_for(mentor).get(reverse("leadership:shortlist")).content.decode()
    )
    # Removing.
    client.post(reverse("leadership:save", args=[opening.pk]), {"remove": "1"})
    assert not ShortlistEntry.objects.filter(member=resident).exists()


def test_more_than_five_saved_says_the_advice(resident):
    client = client_for(resident)
    for index in range(6):
        opening = _opening(title=f"Role {index}")
        response = client.post(
            reverse("leadership:save", args=[opening.pk]), {}, follow=True
        )
    assert "The advice is 3 to 5 realistic roles" in page_text(response)


def test_a_deadline_reminder_goes_once_a_week_before_and_again_if_it_moves(
    resident, mentor, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    opening = _opening(deadline=today + timedelta(days=6))
    far = _opening(title="Far away", deadline=today + timedelta(days=40))
    services.shortlist_save(member=resident, opening=opening, note="ask PD")
    services.shortlist_save(member=resident, opening=far)
    services.shortlist_save(member=mentor, opening=opening)
    preferences.unsubscribe(member_id=mentor.pk, category=Category.LEADERSHIP)
    with django_capture_on_commit_callbacks(execute=True):
        services.deadline_reminders_send(today=today)
        services.deadline_reminders_send(today=today)  # beat twice: nothing new
    sent = [m for m in mail.outbox if "closes in 6 days" in m.subject]
    assert [m.to for m in sent] == [[resident.user.email]]
    assert "ask PD" in sent[0].body and opening.how_to_apply in sent[0].body
    # The deadline moves later: one more reminder for the new date.
    Opening.objects.filter(pk=opening.pk).update(deadline=today + timedelta(days=5))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.deadline_reminders_send(today=today)
    assert [m.to for m in mail.outbox] == [[resident.user.email]]


def test_removing_and_saving_again_does_not_send_a_second_reminder(
    resident, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    opening = _opening(deadline=today + timedelta(days=4))
    services.shortlist_save(member=resident, opening=opening)
    with django_capture_on_commit_callbacks(execute=True):
        services.deadline_reminders_send(today=today)
    assert len(mail.outbox) == 1
    # Unsaved and saved again (a new row): same opening, same deadline.
    services.shortlist_remove(member=resident, opening=opening)
    services.shortlist_save(member=resident, opening=opening, note="again")
    with django_capture_on_commit_callbacks(execute=True):
        services.deadline_reminders_send(today=today)
    assert len(mail.outbox) == 1


def test_a_reminder_queued_for_a_removed_entry_is_not_sent(resident):
    opening = _opening(deadline=timezone.localdate() + timedelta(days=2))
    entry = services.shortlist_save(member=resident, opening=opening)
    still = {
        "member_id": resident.pk,
        "opening_id": opening.pk,
        "deadline": opening.deadline.isoformat(),
    }
    assert services.reminder_still_true(**still)
    # A row queued before this change named the entry: still understood.
    assert services.reminder_still_true(
        entry_id=entry.pk, deadline=opening.deadline.isoformat()
    )
    services.shortlist_remove(member=resident, opening=opening)
    assert not services.reminder_still_true(**still)
    assert not services.reminder_still_true(
        entry_id=entry.pk, deadline=opening.deadline.isoformat()
    )


def test_i_got_it_puts_the_role_in_the_portfolio_once(resident):
    program = _program()
    opening = _opening(title="Chief resident", kind="chief", program=program)
    services.shortlist_save(member=resident, opening=opening)
    client = client_for(resident)
    start = timezone.localdate() - timedelta(days=3)
    response = client.post(
        reverse("leadership:got_it", args=[opening.pk]), {"start": start.isoformat()}
    )
    role = LeadershipRole.objects.get(member=resident)
    assert response["Location"] == reverse("members:leadership_edit", args=[role.pk])
    assert role.kind == LeadershipRole.Kind.CHIEF_RESIDENT
    assert role.title == f"Chief resident ({program.name})" and role.start == start
    assert not ShortlistEntry.objects.filter(member=resident).exists()
    client.post(reverse("leadership:got_it", args=[opening.pk]), {"start": start})
    assert LeadershipRole.objects.filter(member=resident).count() == 1
    page = page_text(client.get(opening.get_absolute_url()))
    assert "It's in your leadership portfolio" in page
    # A start in the future is refused beside the field.
    other = _opening(title="Other")
    response = client.post(
        reverse("leadership:got_it", args=[other.pk]),
        {"start": (timezone.localdate() + timedelta(days=5)).isoformat()},
    )
    assert response.status_code == 400
    assert "Choose today or an earlier day" in page_text(response)
    response = client.post(
        reverse("leadership:got_it", args=[other.pk]), {"start": "0001-07-01"}
    )
    assert response.status_code == 400
    assert "That is before 1950: check the year." in page_text(response)
    assert LeadershipRole.objects.filter(member=resident).count() == 1


def test_the_board_shows_current_holders_only_if_they_opted_in(resident):
    opening = _opening(title="Chief resident")
    holder = MemberFactory()
    services.role_from_opening(member=holder, opening=opening, by=holder.user)
    client = client_for(resident)
    assert "Held now by" not in page_text(client.get(reverse("leadership:board")))
    profile = page_text(client.get(holder.get_absolute_url()))
    assert "Chief resident" not in profile  # not opted in
    holder.directory_fields = [*holder.directory_fields, "leadership"]
    holder.save(update_fields=["directory_fields"])
    board = page_text(client.get(reverse("leadership:board")))
    assert "Held now by" in board
    assert f">{holder.display_name}</a>: ask them" in board
    assert "Chief resident" in page_text(client.get(holder.get_absolute_url()))
    # A role that ended is no longer "held now".
    LeadershipRole.objects.filter(member=holder).update(
        start=timezone.localdate() - timedelta(days=30),
        end=timezone.localdate() - timedelta(days=1),
    )
    assert "Held now by" not in page_text(client.get(reverse("leadership:board")))
    assert OpeningRole.objects.count() == 1


def test_the_cv_section_lists_roles_co_lead_terms_and_events(co_lead, settings):
    settings.GROUP_NAME = "Riverside IMG Network"
    settings.GROUP_INSTITUTION = "Riverside Health"
    from events.models import Event, Panelist
    from tests.factories import EventFactory

    LeadershipRole.objects.create(
        member=co_lead,
        kind=LeadershipRole.Kind.QI,
        title="Sepsis bundle project",
        start=date(2025, 7, 1),
        end=date(2026, 6, 30),
        outcome="Time to antibiotics down 22%",
    )
    past = timezone.now() - timedelta(days=30)
    organised = EventFactory(
        title="IMG orientation", starts_at=past, ends_at=past + timedelta(hours=2)
    )
    organised.organisers.add(co_lead)
    spoke = EventFactory(
        title="Fellowship panel", starts_at=past, ends_at=past + timedelta(hours=2)
    )
    Panelist.objects.create(event=spoke, name=co_lead.full_name.upper())
    EventFactory(title="Cancelled panel", status=Event.Status.CANCELLED).organisers.add(
        co_lead
    )
    client = client_for(co_lead)
    page = page_text(client.get(reverse("members:leadership_cv")))
    assert "Jul 2025 – Jun 2026" in page and "Time to antibiotics down 22%" in page
    assert "IMG group co-lead" in page and "– present" in page
    # The co-lead term names this group, as set up for this deployment.
    assert "Riverside IMG Network, Riverside Health" in page
    assert "Events organised" in page and "IMG orientation" in page
    assert "Presentations and panels" in page and "Fellowship panel" in page
    assert "Cancelled panel" not in page
    csv_text = client.get(reverse("members:leadership_csv")).content.decode()
    assert "Sepsis bundle project" in csv_text and "Fellowship panel" in csv_text
    assert "Jul 2025 – Jun 2026" in csv_text


@pytest.mark.parametrize(
    "written",
    [
        "Dr. {first} {last}, MD",
        "Prof {first}  {last} MBBS PhD",
        "dr {first} {last}",
        "{first} {last}, M.D.",
        "{first} {last}, DO, MPH",
    ],
)
def test_spoke_at_finds_the_member_behind_titles_and_degrees(resident, written):
    from events.models import Panelist
    from events.selectors import portfolio_entries
    from tests.factories import EventFactory

    past = timezone.now() - timedelta(days=10)
    spoke = EventFactory(
        title="Visa panel", starts_at=past, ends_at=past + timedelta(hours=1)
    )
    name = written.format(first=resident.user.first_name, last=resident.user.last_name)
    Panelist.objects.create(event=spoke, name=name)
    # Somebody else whose name only contains the member's is not them.
    other = EventFactory(
        title="Other panel", starts_at=past, ends_at=past + timedelta(hours=1)
    )
    Panelist.objects.create(
        event=other, name=f"Dr {resident.user.first_name} {resident.user.last_name}son"
    )
    titles = [e.title for e in portfolio_entries(resident) if e.role == "Panelist"]
    assert titles == ["Visa panel"]


def test_a_surname_that_looks_like_a_degree_is_kept(resident):
    from events.models import Panelist
    from events.selectors import portfolio_entries
    from tests.factories import EventFactory

    resident.user.first_name, resident.user.last_name = "Anh", "Do"
    resident.user.save()
    past = timezone.now() - timedelta(days=10)
    for title, name in (("Theirs", "Dr Anh Do"), ("Not theirs", "Anh Ma")):
        event = EventFactory(
            title=title, starts_at=past, ends_at=past + timedelta(hours=1)
        )
        Panelist.objects.create(event=event, name=name)
    titles = [e.title for e in portfolio_entries(resident) if e.role == "Panelist"]
    assert titles == ["Theirs"]


@pytest.mark.parametrize(
    "name", ["leadership:board", "leadership:shortlist", "leadership:suggestions"]
)
def test_pages_cost_the_same_queries_with_10_and_1000_openings(co_lead, name):
    client = client_for(co_lead)
    client.get(reverse(name))
    program = _program()
    specialties = list(Specialty.objects.all()[:2])
    holder = MemberFactory(directory_fields=["leadership"])
    today = timezone.localdate()

    def count(n):
        Opening.objects.all().delete()
        LeadershipRole.objects.all().delete()
        openings = Opening.objects.bulk_create(
            Opening(
                title=f"Role {index}",
                kind=Opening.Kind.COMMITTEE,
                how_to_apply="Email.",
                contact="Dr X",
                program=program,
                deadline=today + timedelta(days=20),
                status="suggested" if index % 3 == 0 else "open",
            )
            for index in range(n)
        )
        Opening.specialties.through.objects.bulk_create(
            Opening.specialties.through(opening=o, specialty=s)
            for o in openings
            for s in specialties
        )
        posted = [o for i, o in enumerate(openings) if i % 3]
        ShortlistEntry.objects.bulk_create(
            ShortlistEntry(member=co_lead, opening=o) for o in posted
        )
        roles = LeadershipRole.objects.bulk_create(
            LeadershipRole(member=holder, kind="other", title=o.title, start=today)
            for o in posted
        )
        OpeningRole.objects.bulk_create(
            OpeningRole(opening=o, role=r) for o, r in zip(posted, roles, strict=True)
        )
        client.get(reverse(name))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(name)).status_code == 200
        return len(queries)

    assert count(10) == count(1000)


def test_erasing_a_member_removes_their_shortlist(resident):
    from imgportal.personal_data import erase_all, export_all

    opening = _opening()
    services.shortlist_save(member=resident, opening=opening, note="private")
    assert export_all(resident)["leadership_shortlist"][0]["note"] == ("private")
    erase_all(resident)
    assert not ShortlistEntry.objects.exists()
    assert Opening.objects.filter(pk=opening.pk).exists()
