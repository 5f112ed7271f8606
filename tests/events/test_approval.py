"""Events whose organisers approve each RSVP (issue 20, item 9): a yes waits,
taking no seat; approving gives the seat and the "You're going" email with the
check-in code; declining tells the member and forgets their answers."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from events import codes, rsvps
from events.models import Answer, Guest, Question, Rsvp
from members.models import ActionLog
from tests.conftest import client_for, page_text
from tests.factories import EventFactory, MemberFactory

pytestmark = pytest.mark.django_db


def _approval_url(event):
    return reverse("events:approval", args=[event.pk])


def _decide(client, rsvp, decision, **extra):
    return client.post(
        _approval_url(rsvp.event), {"rsvp": rsvp.pk, "decision": decision, **extra}
    )


def _to(member):
    return [m for m in mail.outbox if m.to == [member.user.email]]


def test_a_request_waits_takes_no_seat_and_the_member_is_told(resident):
    event = EventFactory(capacity=1, requires_approval=True, guests_allowed=1)
    client = client_for(resident)
    response = client.post(
        reverse("events:rsvp", args=[event.pk]),
        {"answer": "yes", "guest_0_name": "Sara Khan", "guest_0_age": "adult"},
        follow=True,
    )
    text = page_text(response)
    assert "Your request is with the organisers" in text
    assert "You asked to come with 1 guest" in text
    rsvp = Rsvp.objects.get(event=event, member=resident)
    assert rsvp.status == Rsvp.Status.PENDING and rsvp.guests == 1
    assert rsvps.seats_taken(event) == 0
    # No check-in code and no "You're going" email until approved.
    assert "Your check-in code" not in text
    assert not [m for m in _to(resident) if m.subject.startswith("You're going")]
    # Another member can ask too, though there is one seat: requests aren't seats.
    other = MemberFactory()
    assert rsvps.rsvp_yes(event=event, member=other).status == Rsvp.Status.PENDING


def test_approving_gives_the_seat_and_the_email_with_the_code_once(
    resident, co_lead, django_capture_on_commit_callbacks
):
    event = EventFactory(capacity=3, requires_approval=True, guests_allowed=1)
    rsvp = rsvps.rsvp_yes(event=event, member=resident, guests=[("Sara", "child")])
    client = client_for(co_lead)
    pending = client.get(reverse("events:attendees", args=[event.pk]) + "?show=pending")
    assert "Waiting for approval (1)" in page_text(pending)
    assert f"Approve {resident.listed_name}" in pending.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = _decide(client, rsvp, "approve", show="pending")
    assert response.status_code == 302
    assert response["Location"].endswith("?show=pending")
    rsvp.refresh_from_db()
    assert rsvp.status == Rsvp.Status.YES
    assert rsvps.seats_taken(event) == 2  # the member and their guest
    (message,) = _to(resident)
    assert message.subject == f"You're going: {event.title}"
    assert codes.personal_code(rsvp) in message.body
    assert ActionLog.objects.filter(verb="confirmed", data__member=resident.pk).exists()
    # A second click (two organisers, or a double tap) changes and sends nothing.
    with django_capture_on_commit_callbacks(execute=True):
        _decide(client, rsvp, "approve")
    assert len(_to(resident)) == 1
    # The member sees their seat and code.
    page = page_text(client_for(resident).get(event.get_absolute_url()))
    assert "You're going with 1 guest" in page and "Your check-in code" in page


def test_a_request_bigger_than_the_free_seats_is_not_approved(resident, co_lead):
    event = EventFactory(capacity=2, requires_approval=True, guests_allowed=1)
    first = rsvps.rsvp_yes(event=event, member=MemberFactory())
    rsvp = rsvps.rsvp_yes(event=event, member=resident, guests=1)
    client = client_for(co_lead)
    _decide(client, first, "approve")
    response = _decide(client, rsvp, "approve")
    page = page_text(client.get(response["Location"]))
    assert "Not enough free seats: 1 free, and this request needs 2" in page
    rsvp.refresh_from_db()
    assert rsvp.status == Rsvp.Status.PENDING


def test_declining_emails_the_member_forgets_answers_and_frees_nothing_twice(
    resident, co_lead, django_capture_on_commit_callbacks
):
    event = EventFactory(requires_approval=True, guests_allowed=1)
    question = Question.objects.create(event=event, label="Dietary needs", kind="text")
    rsvp = rsvps.rsvp_yes(
        event=event,
        member=resident,
        guests=[("Sara Khan", "adult")],
        answers={question.pk: "Vegan"},
    )
    client = client_for(co_lead)
    with django_capture_on_commit_callbacks(execute=True):
        _decide(client, rsvp, "decline")
    rsvp.refresh_from_db()
    assert rsvp.status == Rsvp.Status.REFUSED and rsvp.guests == 0
    assert not Answer.objects.filter(rsvp=rsvp).exists()
    assert not Guest.objects.filter(rsvp=rsvp).exists()
    (message,) = _to(resident)
    assert message.subject == f"Not approved: {event.title}"
    assert ActionLog.objects.filter(verb="declined", data__member=resident.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        _decide(client, rsvp, "decline")
    assert len(_to(resident)) == 1
    # Declined requests are under "Not going" on the list.
    page = page_text(
        client.get(reverse("events:attendees", args=[event.pk]) + "?show=declined")
    )
    assert resident.listed_name in page and "Not approved" in page


def test_a_declined_member_cannot_ask_again_or_reset_it_with_a_no(resident, co_lead):
    event = EventFactory(requires_approval=True)
    rsvp = rsvps.rsvp_yes(event=event, member=resident)
    rsvps.rsvp_refuse(rsvp=rsvp, by=co_lead.user)
    client = client_for(resident)
    page = page_text(client.get(event.get_absolute_url()))
    assert "The organisers didn't approve your request" in page
    assert "Ask to come" not in page
    url = reverse("events:rsvp", args=[event.pk])
    client.post(url, {"answer": "no"})
    response = client.post(url, {"answer": "yes"}, follow=True)
    assert response.status_code in (200, 400)
    rsvp.refresh_from_db()
    assert rsvp.status == Rsvp.Status.REFUSED
    # An organiser may still change their mind.
    rsvps.rsvp_approve(rsvp=rsvp, by=co_lead.user)
    rsvp.refresh_from_db()
    assert rsvp.status == Rsvp.Status.YES


def test_an_approved_member_who_then_says_no_frees_the_seat(resident, co_lead):
    event = EventFactory(capacity=1, requires_approval=True)
    rsvp = rsvps.rsvp_yes(event=event, member=resident)
    rsvps.rsvp_approve(rsvp=rsvp, by=co_lead.user)
    # Saying yes again (changing answers) keeps the seat, no new request.
    assert rsvps.rsvp_yes(event=event, member=resident).status == Rsvp.Status.YES
    rsvps.rsvp_no(event=event, member=resident)
    assert rsvps.seats_taken(event) == 0
    # Coming back is a new request.
    assert rsvps.rsvp_yes(event=event, member=resident).status == Rsvp.Status.PENDING


def test_the_code_of_a_declined_rsvp_is_refused_at_the_door(resident, co_lead):
    event = EventFactory(
        requires_approval=True, starts_at=timezone.now() + timedelta(hours=1)
    )
    rsvp = rsvps.rsvp_yes(event=event, member=resident)
    rsvps.rsvp_approve(rsvp=rsvp, by=co_lead.user)
    code = codes.personal_code(rsvp)
    rsvps.rsvp_refuse(rsvp=rsvp, by=co_lead.user)
    response = client_for(co_lead).post(
        reverse("events:checkin", args=[event.pk]), {"code": code}
    )
    assert "request was declined: the code no longer works" in page_text(response)


def test_only_those_who_see_attendees_may_approve(resident, mentor, co_lead):
    event = EventFactory(requires_approval=True)
    rsvp = rsvps.rsvp_yes(event=event, member=MemberFactory())
    for member in (resident, mentor):
        assert _decide(client_for(member), rsvp, "approve").status_code == 403
    rsvp.refresh_from_db()
    assert rsvp.status == Rsvp.Status.PENDING
    # Odd input: no 500s, nothing changed.
    client = client_for(co_lead)
    assert _decide(client, rsvp, "maybe").status_code == 302
    assert client.post(_approval_url(event), {"rsvp": "x"}).status_code == 404
    assert client.get(_approval_url(event)).status_code == 405
    rsvp.refresh_from_db()
    assert rsvp.status == Rsvp.Status.PENDING


def test_events_without_approval_have_no_pending_tab(co_lead):
    event = EventFactory()
    page = page_text(
        client_for(co_lead).get(reverse("events:attendees", args=[event.pk]))
    )
    assert "Waiting for approval" not in page
