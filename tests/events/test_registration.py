"""Registration questions, named guests, the organisers' attendee list, its
CSV and sign-in sheet, and check-in by a member's personal code (issue 20,
items 1, 2, 3 and 6)."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from events import attendance, codes, rsvps
from events.models import Answer, Attendance, Guest, Question, Rsvp
from tests.conftest import client_for, page_text
from tests.factories import EventFactory, MemberFactory, bulk_members, event_on_the_day

pytestmark = pytest.mark.django_db


def _question(event, label="Dietary needs", kind="text", **extra) -> Question:
    return Question.objects.create(event=event, label=label, kind=kind, **extra)


def _rsvp_url(event):
    return reverse("events:rsvp", args=[event.pk])


def test_an_organiser_adds_the_common_questions_and_their_own(co_lead):
    event = EventFactory()
    client = client_for(co_lead)
    url = reverse("events:questions", args=[event.pk])
    page = page_text(client.get(url))
    assert "Add “Dietary needs”" in page and "Add “Accessibility needs”" in page
    client.post(url, {"preset": "dietary"})
    dietary = event.questions.get()
    assert dietary.kind == Question.Kind.MULTI and "Halal" in dietary.choice_list()
    page = page_text(client.get(url))
    assert "Add “Dietary needs”" not in page  # offered once
    # The second time (a stale page): refused with a message, nothing added.
    page = page_text(client.post(url, {"preset": "dietary"}, follow=True))
    assert "already asks “Dietary needs”" in page
    assert event.questions.count() == 1

    def formset(**new):
        data = {
            "questions-TOTAL_FORMS": "2",
            "questions-INITIAL_FORMS": "1",
            "questions-MIN_NUM_FORMS": "0",
            "questions-MAX_NUM_FORMS": "20",
            "questions-0-id": str(dietary.pk),
            "questions-0-label": dietary.label,
            "questions-0-kind": dietary.kind,
            "questions-0-help_text": dietary.help_text,
            "questions-0-choices": dietary.choices,
            "questions-0-required": "",
        }
        data.update({f"questions-1-{k}": v for k, v in new.items()})
        return data

    # A choice question with one choice: the message is beside the field and
    # the label typed is still there.
    response = client.post(
        url, formset(label="T-shirt size", kind="choice", choices="M", required="on")
    )
    assert response.status_code == 400
    page = page_text(response)
    assert "Give at least two choices, one per line." in page
    assert 'value="T-shirt size"' in page
    assert event.questions.count() == 1
    client.post(
        url,
        formset(
            label="T-shirt size", kind="choice", choices="S\nM\n\nL", required="on"
        ),
    )
    shirt = event.questions.get(label="T-shirt size")
    assert shirt.required and shirt.choice_list() == ["S", "M", "L"]
    assert list(event.questions.values_list("label", flat=True)) == [
        "Dietary needs",
        "T-shirt size",
    ]


def test_a_resident_organiser_may_not_edit_questions_of_anothers_event(resident):
    event = EventFactory()
    url = reverse("events:questions", args=[event.pk])
    assert client_for(resident).post(url, {"preset": "dietary"}).status_code == 403
    assert not event.questions.exists()


def test_a_required_question_left_empty_is_refused_and_the_typing_kept(resident):
    event = EventFactory(guests_allowed=2)
    _question(event, label="Accessibility needs", required=True)
    client = client_for(resident)
    response = client.post(
        _rsvp_url(event),
        {"answer": "yes", "guest_0_name": "Amira Haddad", "guest_0_age": "child"},
    )
    assert response.status_code == 400
    page = page_text(response)
    assert "This field is required." in page
    assert 'value="Amira Haddad"' in page
    assert re.search(r'<option value="child" selected>', page)
    assert not Rsvp.objects.filter(event=event, member=resident).exists()


def test_answers_and_guests_are_saved_then_changed_until_rsvps_close(resident):
    event = EventFactory(guests_allowed=2)
    dietary = _question(
        event, kind="multi", choices="Vegetarian\nHalal\nGluten-free", required=True
    )
    first = _question(event, label="First event?", kind="yesno")
    client = client_for(resident)
    client.post(
        _rsvp_url(event),
        {
            "answer": "yes",
            f"q_{dietary.pk}": ["Halal", "Gluten-free"],
            f"q_{first.pk}": "yes",
            "guest_0_name": "Sara Khan",
            "guest_0_age": "adult",
            "guest_1_name": "Omar Khan",
            "guest_1_age": "child",
        },
    )
    rsvp = Rsvp.objects.get(event=event, member=resident)
    assert rsvp.status == "yes" and rsvp.guests == 2
    assert Answer.objects.get(rsvp=rsvp, question=dietary).value == [
        "Halal",
        "Gluten-free",
    ]
    assert Answer.objects.get(rsvp=rsvp, question=first).value is True
    assert [(g.name, g.age) for g in rsvp.guest_list.all()] == [
        ("Sara Khan", "adult"),
        ("Omar Khan", "child"),
    ]
    # The page shows them back, ready to change.
    page = page_text(client.get(event.get_absolute_url()))
    assert 'value="Sara Khan"' in page and 'value="Omar Khan"' in page
    assert re.search(r'value="Halal"[^>]*checked', page)
    # Changed: one guest fewer, another diet.
    client.post(
        _rsvp_url(event),
        {
            "answer": "yes",
            f"q_{dietary.pk}": ["Vegetarian"],
            f"q_{first.pk}": "no",
            "guest_0_name": "Sara Khan",
            "guest_0_age": "adult",
        },
    )
    rsvp.refresh_from_db()
    assert rsvp.guests == 1
    assert [g.name for g in rsvp.guest_list.all()] == ["Sara Khan"]
    assert Answer.objects.get(rsvp=rsvp, question=dietary).value == ["Vegetarian"]
    assert Answer.objects.get(rsvp=rsvp, question=first).value is False
    # The deadline passes: the answers can't change, and the page shows them.
    event.rsvp_deadline = timezone.now() - timedelta(minutes=1)
    event.save()
    client.post(
        _rsvp_url(event),
        {"answer": "yes", f"q_{dietary.pk}": ["Halal"], f"q_{first.pk}": "yes"},
    )
    assert Answer.objects.get(rsvp=rsvp, question=dietary).value == ["Vegetarian"]
    page = page_text(client.get(event.get_absolute_url()))
    assert "Vegetarian" in page and "Sara Khan" in page
    assert f'name="q_{dietary.pk}"' not in page


def test_saying_no_forgets_the_answers_and_the_guests(resident):
    event = EventFactory(guests_allowed=1)
    question = _question(event)
    rsvps.rsvp_yes(
        event=event,
        member=resident,
        guests=[("Sara Khan", "adult")],
        answers={question.pk: "Vegan"},
    )
    rsvps.rsvp_no(event=event, member=resident)
    assert not Answer.objects.filter(rsvp__member=resident).exists()
    assert not Guest.objects.filter(rsvp__member=resident).exists()
    # Yes again: asked afresh.
    rsvps.rsvp_yes(event=event, member=resident, answers={question.pk: "Halal"})
    assert Answer.objects.get(rsvp__member=resident).value == "Halal"


def test_answers_reach_organisers_gme_and_co_leads_but_no_other_member(
    resident, mentor, gme_staff, co_lead
):
    event = EventFactory(guests_allowed=1)
    event.organisers.add(mentor)
    question = _question(event, label="Accessibility needs")
    rsvps.rsvp_yes(
        event=event,
        member=resident,
        guests=[("Sara Khan", "adult")],
        answers={question.pk: "CANARY-WHEELCHAIR"},
    )
    other = MemberFactory()
    rsvps.rsvp_yes(event=event, member=other)
    attendees = reverse("events:attendees", args=[event.pk])
    csv_url = reverse("events:attendees_csv", args=[event.pk])
    for member in (mentor, gme_staff, co_lead):
        client = client_for(member)
        assert "CANARY-WHEELCHAIR" in page_text(client.get(attendees))
        assert "CANARY-WHEELCHAIR" in client.get(csv_url).content.decode()
    # The member sees their own answer; another member sees it nowhere.
    assert "CANARY-WHEELCHAIR" in page_text(
        client_for(resident).get(event.get_absolute_url())
    )
    snoop = client_for(other)
    for url in (
        event.get_absolute_url(),
        reverse("events:ics", args=[event.pk]),
        reverse("events:list"),
        reverse("events:checkin", args=[event.pk]),
        attendees,
        csv_url,
        reverse("events:sign_in_sheet", args=[event.pk]),
    ):
        response = snoop.get(url)
        assert "CANARY-WHEELCHAIR" not in response.content.decode(), url
        assert "Sara Khan" not in response.content.decode(), url
    assert snoop.get(attendees).status_code == 403


def test_a_resident_organiser_of_a_visa_segment_event_sees_no_answers(resident):
    """Who comes to a J-1 event, with what needs, tells their visa status."""
    event = EventFactory(audience={"visa_statuses": ["j1"]})
    organiser = MemberFactory()
    event.organisers.add(organiser)
    question = _question(event)
    rsvps.rsvp_yes(event=event, member=resident, answers={question.pk: "CANARY-DIET"})
    client = client_for(organiser)
    detail = client.get(event.get_absolute_url()).content.decode()
    assert reverse("events:checkin", args=[event.pk]) in detail
    for name in ("attendees", "attendees_csv", "sign_in_sheet"):
        url = reverse(f"events:{name}", args=[event.pk])
        assert client.get(url).status_code == 403
        assert f'href="{url}"' not in detail  # not offered: it would say 403
    checkin = client.get(reverse("events:checkin", args=[event.pk]))
    assert checkin.status_code == 200
    assert "CANARY-DIET" not in checkin.content.decode()
    assert resident.listed_name not in page_text(checkin)
    code = codes.personal_code(Rsvp.objects.get(member=resident))
    refused = client.post(reverse("events:checkin", args=[event.pk]), {"code": code})
    assert refused.status_code == 403
    assert not Attendance.objects.filter(event=event).exists()


def test_named_guests_take_seats_and_the_waitlist_moves_when_one_drops(resident):
    event = EventFactory(capacity=3, guests_allowed=2)
    first = rsvps.rsvp_yes(
        event=event,
        member=resident,
        guests=[("Sara Khan", "adult"), ("Omar Khan", "child")],
    )
    assert first.status == "yes" and first.seats == 3
    late = MemberFactory()
    assert rsvps.rsvp_yes(event=event, member=late).status == "waitlist"
    client = client_for(resident)
    # Over the limit by a hand-made form: refused beside the guests, kept.
    response = client.post(
        _rsvp_url(event),
        {
            "answer": "yes",
            "guest_0_name": "Sara Khan",
            "guest_1_name": "Omar Khan",
            "guest_2_name": "Layla Khan",
        },
    )
    assert response.status_code == 400
    assert "You can bring up to 2 guests." in page_text(response)
    assert first.guest_list.count() == 2
    client.post(
        _rsvp_url(event),
        {"answer": "yes", "guest_0_name": "Sara Khan", "guest_0_age": "adult"},
    )
    first.refresh_from_db()
    assert first.guests == 1
    assert Rsvp.objects.get(event=event, member=late).status == "offered"


def test_the_attendee_list_groups_people_with_guests_and_answers(co_lead):
    event = event_on_the_day(capacity=2, guests_allowed=1)
    question = _question(event)
    going = MemberFactory(preferred_name="Going Person")
    waiting = MemberFactory(preferred_name="Waiting Person")
    declined = MemberFactory(preferred_name="Declined Person")
    rsvps.rsvp_yes(
        event=event,
        member=going,
        guests=[("Sara Khan", "child")],
        answers={question.pk: "Halal"},
    )
    rsvps.rsvp_yes(event=event, member=waiting)
    rsvps.rsvp_no(event=event, member=declined)
    client = client_for(co_lead)
    url = reverse("events:attendees", args=[event.pk])
    page = page_text(client.get(url))
    assert "Going Person" in page and "Sara Khan" in page and "Halal" in page
    assert "Waiting Person" not in page
    assert "Waiting Person" in page_text(client.get(url, {"show": "waitlist"}))
    assert "Declined Person" in page_text(client.get(url, {"show": "declined"}))
    # An unknown tab is the default one, not an error.
    assert client.get(url, {"show": "<script>"}).status_code == 200
    attendance.attendance_mark(event=event, member=going, by=co_lead.user)
    here = page_text(client.get(url, {"show": "checked_in"}))
    assert "Going Person" in here and "Declined Person" not in here


def test_guests_are_checked_in_one_by_one_and_counted(co_lead):
    event = event_on_the_day(guests_allowed=2)
    member = MemberFactory()
    rsvp = rsvps.rsvp_yes(
        event=event,
        member=member,
        guests=[("Sara Khan", "adult"), ("Omar Khan", "child")],
    )
    sara, omar = rsvp.guest_list.all()
    client = client_for(co_lead)
    url = reverse("events:checkin", args=[event.pk])
    client.post(url, {"rsvp": rsvp.pk, "present": "1"})
    here = Attendance.objects.get(event=event, member=member)
    assert here.guests == 0  # named guests come in on their own tap
    client.post(url, {"guest": sara.pk, "present": "1"})
    client.post(url, {"guest": sara.pk, "present": "1"})  # a second tap: no change
    sara.refresh_from_db()
    here.refresh_from_db()
    assert sara.checked_in_at is not None and here.guests == 1
    client.post(url, {"guest": omar.pk, "present": "1"})
    here.refresh_from_db()
    assert here.guests == 2
    client.post(url, {"guest": omar.pk, "present": "0"})
    here.refresh_from_db()
    assert here.guests == 1
    # A guest of another event, or nonsense: 404, never 500.
    other = rsvps.rsvp_yes(
        event=EventFactory(guests_allowed=1),
        member=member,
        guests=[("Elsewhere", "adult")],
    )
    stray = other.guest_list.get()
    assert client.post(url, {"guest": stray.pk, "present": "1"}).status_code == 404
    assert client.post(url, {"guest": "x'--", "present": "1"}).status_code == 404
    page = page_text(client.get(url))
    assert "Sara Khan" in page and "Omar Khan" in page


def test_a_personal_code_checks_the_member_in_once_and_shows_guests_and_answers(
    co_lead, resident
):
    event = event_on_the_day(guests_allowed=1)
    question = _question(event)
    rsvp = rsvps.rsvp_yes(
        event=event,
        member=resident,
        guests=[("Sara Khan", "adult")],
        answers={question.pk: "Vegan"},
    )
    code = codes.personal_code(rsvp)
    # The member's page shows the code, as text and as a QR image.
    mine = page_text(client_for(resident).get(event.get_absolute_url()))
    assert code in mine and "<svg" in mine
    client = client_for(co_lead)
    url = reverse("events:checkin", args=[event.pk])
    # Typed by hand: lower case and spaces are fine.
    page = page_text(client.post(url, {"code": f" {code.lower()} "}))
    assert resident.listed_name in page
    assert "Sara Khan" in page and "Vegan" in page
    first = Attendance.objects.get(event=event, member=resident)
    # Scanned again (the phone lost its signal, the member queued twice).
    again = page_text(client.post(url, {"code": code}))
    at = timezone.localtime(first.checked_in_at).strftime("%H:%M")
    assert f"already checked in at {at}" in again
    assert Attendance.objects.filter(event=event).count() == 1


@pytest.mark.parametrize(
    "case, message",
    [
        ("another_event", "That code is for another event"),
        ("tampered", "That code isn't genuine"),
        ("cancelled", "cancelled their RSVP"),
        ("waitlist", "is on the waitlist"),
        ("nonsense", "That isn't a check-in code"),
        ("unknown", "That code isn't genuine"),
    ],
)
def test_a_wrong_personal_code_is_refused_beside_the_field(co_lead, case, message):
    event = event_on_the_day(capacity=1)
    member = MemberFactory()
    if case == "another_event":
        elsewhere = EventFactory(title="Fellowship panel")
        code = codes.personal_code(rsvps.rsvp_yes(event=elsewhere, member=member))
        message = "That code is for another event."
    elif case == "waitlist":
        rsvps.rsvp_yes(event=event, member=MemberFactory())
        code = codes.personal_code(rsvps.rsvp_yes(event=event, member=member))
    else:
        rsvp = rsvps.rsvp_yes(event=event, member=member)
        code = codes.personal_code(rsvp)
        if case == "tampered":
            code = code[:-1] + ("A" if code[-1] != "A" else "B")
        elif case == "cancelled":
            rsvps.rsvp_no(event=event, member=member)
        elif case == "nonsense":
            code = "=cmd|' /C calc'!A0"
        elif case == "unknown":
            code = f"99999999-{code.split('-')[1]}"
    response = client_for(co_lead).post(
        reverse("events:checkin", args=[event.pk]), {"code": code}
    )
    assert response.status_code == 400
    page = page_text(response)
    assert message in page
    assert f'value="{code.strip()}"' in page or case == "nonsense"
    assert not Attendance.objects.filter(event=event).exists()


def test_the_csv_has_a_row_per_person_and_neutralises_formulas(co_lead):
    event = EventFactory(guests_allowed=1)
    question = _question(event)
    member = MemberFactory(user__first_name="Ana", user__last_name="Ruiz")
    rsvps.rsvp_yes(
        event=event,
        member=member,
        guests=[('=HYPERLINK("http://x")', "child")],
        answers={question.pk: "+1 vegan"},
    )
    response = client_for(co_lead).get(reverse("events:attendees_csv", args=[event.pk]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["Name", "Email", "Person", "Guest of"]
    assert rows[0][-1] == "Dietary needs"
    assert rows[1][0] == "Ana Ruiz" and rows[1][-1] == "'+1 vegan"
    assert rows[2][0] == '\'=HYPERLINK("http://x")'
    assert rows[2][2:4] == ["Guest (child)", "Ana Ruiz"]
    assert len(rows) == 3


def test_the_sign_in_sheet_lists_members_and_their_guests_without_answers(co_lead):
    event = EventFactory(guests_allowed=1)
    question = _question(event)
    member = MemberFactory(user__first_name="Ana", user__last_name="Ruiz")
    rsvps.rsvp_yes(
        event=event,
        member=member,
        guests=[("Sara Khan", "child")],
        answers={question.pk: "CANARY-DIET"},
    )
    waiting_for_nothing = MemberFactory(preferred_name="Nope No")
    rsvps.rsvp_no(event=event, member=waiting_for_nothing)
    page = page_text(
        client_for(co_lead).get(reverse("events:sign_in_sheet", args=[event.pk]))
    )
    assert "Ana Ruiz" in page and "Sara Khan (child)" in page
    assert "2 expected (guests included)" in page
    assert "CANARY-DIET" not in page and "Nope No" not in page
    assert 'media="print"' in page or "print.css" in page


def test_organisers_find_people_by_their_full_name(co_lead):
    """The review found organisers' lists naming people by first (or preferred)
    name alone: "Noura" twice on a sign-in sheet for GME's audit."""
    event = event_on_the_day(guests_allowed=1)
    noura = MemberFactory(user__first_name="Noura", user__last_name="El-Amin")
    nouri = MemberFactory(
        user__first_name="Noura", user__last_name="Haddad", preferred_name="Nouri"
    )
    for member in (noura, nouri):
        rsvps.rsvp_yes(event=event, member=member, guests=[("Sami", "child")])
    client = client_for(co_lead)
    for name in ("attendees", "sign_in_sheet", "checkin"):
        page = page_text(client.get(reverse(f"events:{name}", args=[event.pk])))
        assert "Noura El-Amin" in page, name
        assert "Noura Haddad (Nouri)" in page, name
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(
                    reverse("events:attendees_csv", args=[event.pk])
                ).content.decode()
            )
        )
    )
    assert {r[0] for r in rows[1:]} == {"Noura El-Amin", "Noura Haddad (Nouri)", "Sami"}
    assert {r[3] for r in rows[1:] if r[0] == "Sami"} == {
        "Noura El-Amin",
        "Noura Haddad (Nouri)",
    }
    event.organisers.add(noura)
    detail = page_text(client.get(event.get_absolute_url()))
    assert "Noura El-Amin" in detail
    form = page_text(client.get(reverse("events:edit", args=[event.pk])))
    assert "Noura El-Amin (" in form


def _bulk_going(event, n: int, question=None) -> None:
    """Fill `event` up to `n` people going, each with a named guest (and an
    answer), a third of them checked in: bulk inserts, quick for a thousand."""
    members = bulk_members(n - event.rsvps.count())
    going = Rsvp.objects.bulk_create(
        Rsvp(event=event, member=m, status="yes", guests=1, training_stage="pgy1")
        for m in members
    )
    Guest.objects.bulk_create(
        Guest(rsvp=r, name=f"Guest of {r.member_id}", age="adult") for r in going
    )
    if question is not None:
        Answer.objects.bulk_create(
            Answer(rsvp=r, question=question, value="Halal") for r in going
        )
    Attendance.objects.bulk_create(
        Attendance(event=event, member_id=r.member_id, method="organiser", guests=1)
        for r in going[::3]
    )


@pytest.mark.parametrize(
    "name", ["events:attendees", "events:attendees_csv", "events:sign_in_sheet"]
)
def test_attendee_pages_cost_the_same_queries_with_10_and_1000_attendees(co_lead, name):
    event = EventFactory(guests_allowed=1)
    question = _question(event)
    client = client_for(co_lead)
    url = reverse(name, args=[event.pk])

    def count(n):
        _bulk_going(event, n, question)
        client.get(url)  # warm the session and permission caches
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    assert count(10) == count(1000)


def test_the_check_in_page_costs_the_same_queries_with_10_and_1000_attendees(
    co_lead,
):
    event = EventFactory(guests_allowed=1)
    question = _question(event)
    client = client_for(co_lead)
    url = reverse("events:checkin", args=[event.pk])

    def count(n):
        _bulk_going(event, n, question)
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    assert count(10) == count(1000)


def test_the_confirmation_email_carries_the_code_as_text_and_qr_once_per_seat(
    resident, co_lead, django_capture_on_commit_callbacks
):
    event = event_on_the_day(capacity=2, guests_allowed=1)
    question = _question(event)
    with django_capture_on_commit_callbacks(execute=True):
        rsvp = rsvps.rsvp_yes(
            event=event,
            member=resident,
            guests=[("Sara Khan", "child")],
            answers={question.pk: "Vegan"},
        )
    (message,) = [m for m in mail.outbox if m.to == [resident.user.email]]
    code = codes.personal_code(rsvp)
    assert message.subject == f"You're going: {event.title}"
    assert code in message.body and "Sara Khan (child)" in message.body
    assert "Vegan" not in message.body  # answers stay on the portal
    files = {name: (content, kind) for name, content, kind in message.attachments}
    png, kind = files["check-in-code.png"]
    assert kind == "image/png" and png.startswith(b"\x89PNG\r\n\x1a\n")
    assert "BEGIN:VEVENT" in files[f"event-{event.pk}.ics"][0]
    # The code in the email checks the member in.
    response = client_for(co_lead).post(
        reverse("events:checkin", args=[event.pk]), {"code": code}
    )
    assert response.status_code == 200
    assert Attendance.objects.filter(event=event, member=resident).exists()
    # Changing answers (yes again) sends nothing more.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        rsvps.rsvp_yes(event=event, member=resident, answers={question.pk: "Halal"})
    assert mail.outbox == []


def test_a_seat_taken_from_the_waitlist_is_confirmed_with_its_code(
    resident, django_capture_on_commit_callbacks
):
    event = EventFactory(capacity=1)
    first = MemberFactory()
    with django_capture_on_commit_callbacks(execute=True):
        rsvps.rsvp_yes(event=event, member=first)
        waiting = rsvps.rsvp_yes(event=event, member=resident)
    assert waiting.status == "waitlist"
    assert not [m for m in mail.outbox if m.to == [resident.user.email]]
    with django_capture_on_commit_callbacks(execute=True):
        rsvps.rsvp_no(event=event, member=first)
        waiting.refresh_from_db()
        rsvps.offer_accept(rsvp=waiting)
    confirmed = [m for m in mail.outbox if m.subject.startswith("You're going")]
    assert [m.to for m in confirmed] == [[first.user.email], [resident.user.email]]
    assert codes.personal_code(waiting) in confirmed[-1].body


def test_a_guest_tapped_in_before_their_member_counts_once_the_member_is_in(co_lead):
    event = event_on_the_day(guests_allowed=1)
    member = MemberFactory()
    rsvp = rsvps.rsvp_yes(event=event, member=member, guests=[("Sara", "adult")])
    client = client_for(co_lead)
    url = reverse("events:checkin", args=[event.pk])
    client.post(url, {"guest": rsvp.guest_list.get().pk, "present": "1"})
    assert not Attendance.objects.filter(event=event).exists()
    client.post(url, {"code": codes.personal_code(rsvp)})
    assert Attendance.objects.get(event=event, member=member).guests == 1
