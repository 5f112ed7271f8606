"""RSVPs, capacity and the waitlist."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from events import rsvps, services
from events.models import Event, Rsvp
from tests.conftest import client_for
from tests.factories import EventFactory, MemberFactory

pytestmark = pytest.mark.django_db


def _status(event, member) -> str:
    return Rsvp.objects.get(event=event, member=member).status


def test_yes_takes_a_seat_and_a_full_event_puts_the_next_on_the_waitlist():
    event = EventFactory(capacity=2)
    first, second, third = MemberFactory.create_batch(3)
    assert rsvps.rsvp_yes(event=event, member=first).status == "yes"
    assert rsvps.rsvp_yes(event=event, member=second).status == "yes"
    late = rsvps.rsvp_yes(event=event, member=third)
    assert late.status == "waitlist"
    assert late.waitlist_position == 1


def test_guests_count_against_capacity_and_their_number_is_limited():
    event = EventFactory(capacity=3, guests_allowed=1)
    couple, single, another = MemberFactory.create_batch(3)
    rsvps.rsvp_yes(event=event, member=couple, guests=1)
    with pytest.raises(ValidationError) as refused:
        rsvps.rsvp_yes(event=event, member=single, guests=2)
    assert "up to 1 guest" in str(refused.value)
    rsvps.rsvp_yes(event=event, member=single)
    assert rsvps.seats_taken(event) == 3
    assert rsvps.rsvp_yes(event=event, member=another).status == "waitlist"


def test_answering_yes_twice_is_one_rsvp():
    event = EventFactory(capacity=10)
    member = MemberFactory()
    rsvps.rsvp_yes(event=event, member=member)
    rsvps.rsvp_yes(event=event, member=member)
    assert Rsvp.objects.filter(event=event, member=member).count() == 1
    assert rsvps.seats_taken(event) == 1


def test_a_freed_seat_is_offered_to_the_first_waiting_by_email(
    django_capture_on_commit_callbacks,
):
    event = EventFactory(capacity=1)
    going, waiting_first, waiting_second = MemberFactory.create_batch(3)
    rsvps.rsvp_yes(event=event, member=going)
    rsvps.rsvp_yes(event=event, member=waiting_first)
    rsvps.rsvp_yes(event=event, member=waiting_second)
    with django_capture_on_commit_callbacks(execute=True):
        rsvps.rsvp_no(event=event, member=going)
    offer = Rsvp.objects.get(event=event, member=waiting_first)
    assert offer.status == "offered"
    assert offer.offer_expires_at - timezone.now() > timedelta(hours=23)
    assert _status(event, waiting_second) == "waitlist"
    (email,) = [m for m in mail.outbox if m.to == [waiting_first.user.email]]
    assert "A seat is free for you" in email.subject
    link = next(w for w in email.body.split() if "/events/offers/" in w)
    # One click (after the confirm page) takes it, without signing in.
    anonymous = Client()
    path = link.split("testserver", 1)[1]
    assert "Yes, I'm coming" in anonymous.get(path).content.decode()
    assert anonymous.post(path).status_code == 200
    assert _status(event, waiting_first) == "yes"


def test_an_unconfirmed_offer_lapses_and_passes_to_the_next():
    event = EventFactory(capacity=1)
    going, slow, next_in_line = MemberFactory.create_batch(3)
    rsvps.rsvp_yes(event=event, member=going)
    rsvps.rsvp_yes(event=event, member=slow)
    rsvps.rsvp_yes(event=event, member=next_in_line)
    rsvps.rsvp_no(event=event, member=going)
    assert _status(event, slow) == "offered"
    later = timezone.now() + timedelta(hours=25)
    assert rsvps.offers_expire(now=later) == 1
    assert _status(event, slow) == "lapsed"
    assert _status(event, next_in_line) == "offered"
    with pytest.raises(ValidationError):
        rsvps.offer_accept(rsvp=Rsvp.objects.get(event=event, member=slow))


def test_a_party_that_does_not_fit_keeps_its_place_while_a_single_behind_it_gets_in():
    event = EventFactory(capacity=2, guests_allowed=1)
    a, b, couple, single = MemberFactory.create_batch(4)
    rsvps.rsvp_yes(event=event, member=a)
    rsvps.rsvp_yes(event=event, member=b)
    rsvps.rsvp_yes(event=event, member=couple, guests=1)
    rsvps.rsvp_yes(event=event, member=single)
    rsvps.rsvp_no(event=event, member=a)
    assert _status(event, couple) == "waitlist"
    assert _status(event, single) == "offered"


def test_a_new_yes_does_not_jump_the_waitlist_when_a_seat_is_offered():
    event = EventFactory(capacity=1)
    going, waiting, newcomer = MemberFactory.create_batch(3)
    rsvps.rsvp_yes(event=event, member=going)
    rsvps.rsvp_yes(event=event, member=waiting)
    rsvps.rsvp_no(event=event, member=going)
    assert rsvps.rsvp_yes(event=event, member=newcomer).status == "waitlist"


def test_organisers_reorder_the_waitlist():
    event = EventFactory(capacity=1)
    going, first, second = MemberFactory.create_batch(3)
    rsvps.rsvp_yes(event=event, member=going)
    rsvps.rsvp_yes(event=event, member=first)
    later = rsvps.rsvp_yes(event=event, member=second)
    rsvps.waitlist_move(rsvp=later, up=True)
    rsvps.rsvp_no(event=event, member=going)
    assert _status(event, second) == "offered"
    assert _status(event, first) == "waitlist"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": "cancelled"}, "cancelled"),
        ({"status": "draft"}, "isn't open"),
        ({"rsvp_deadline_passed": True}, "deadline has passed"),
        ({"started": True}, "already started"),
        ({"audience": {"visa_statuses": ["h1b"]}}, "particular group"),
    ],
)
def test_rsvps_are_refused_with_a_reason(change, message):
    event = EventFactory()
    if change.pop("rsvp_deadline_passed", False):
        change["rsvp_deadline"] = timezone.now() - timedelta(minutes=1)
    if change.pop("started", False):
        change["starts_at"] = timezone.now() - timedelta(minutes=5)
        change["ends_at"] = timezone.now() + timedelta(hours=1)
    Event.objects.filter(pk=event.pk).update(**change)
    event.refresh_from_db()
    member = MemberFactory()  # a J-1 resident
    with pytest.raises(ValidationError) as refused:
        rsvps.rsvp_yes(event=event, member=member)
    assert message in str(refused.value)


def test_members_withdraw_until_the_start_but_not_after():
    event = EventFactory()
    member = MemberFactory()
    rsvps.rsvp_yes(event=event, member=member)
    assert rsvps.rsvp_no(event=event, member=member).status == "no"
    rsvps.rsvp_yes(event=event, member=member)
    Event.objects.filter(pk=event.pk).update(
        starts_at=timezone.now() - timedelta(minutes=1)
    )
    event.refresh_from_db()
    with pytest.raises(ValidationError):
        rsvps.rsvp_no(event=event, member=member)
    assert _status(event, member) == "yes"


def test_capacity_cannot_drop_below_the_seats_taken(co_lead):
    event = EventFactory(capacity=5)
    for member in MemberFactory.create_batch(3):
        rsvps.rsvp_yes(event=event, member=member)
    event.capacity = 2
    with pytest.raises(ValidationError) as refused:
        services.event_save(event=event, by=co_lead.user)
    assert "capacity" in refused.value.message_dict


def test_raising_capacity_offers_the_new_seats(co_lead):
    event = EventFactory(capacity=1)
    going, waiting = MemberFactory.create_batch(2)
    rsvps.rsvp_yes(event=event, member=going)
    rsvps.rsvp_yes(event=event, member=waiting)
    event.capacity = 2
    services.event_save(event=event, by=co_lead.user)
    assert _status(event, waiting) == "offered"


def test_the_rsvp_buttons_answer_on_the_event_page(resident):
    event = EventFactory(capacity=1, guests_allowed=1)
    client = client_for(resident)
    response = client.post(
        reverse("events:rsvp", args=[event.pk]),
        {"answer": "yes", "guest_0_name": "Sara", "guest_1_name": "Omar"},
    )
    assert response.status_code == 400
    assert "You can bring up to 1 guest" in response.content.decode()
    response = client.post(
        reverse("events:rsvp", args=[event.pk]),
        {"answer": "yes", "guest_0_name": ""},
        follow=True,
    )
    assert "You're going" in response.content.decode()
    other = client_for(MemberFactory())
    response = other.post(
        reverse("events:rsvp", args=[event.pk]), {"answer": "yes"}, follow=True
    )
    assert "on the waitlist" in response.content.decode()


def test_the_online_link_is_shown_only_to_those_going(resident):
    event = EventFactory(online_url="https://meet.example.org/img-secret")
    client = client_for(resident)
    page = client.get(event.get_absolute_url()).content.decode()
    assert "img-secret" not in page
    assert (
        "img-secret"
        not in client.get(reverse("events:ics", args=[event.pk])).content.decode()
    )
    rsvps.rsvp_yes(event=event, member=resident)
    page = client.get(event.get_absolute_url()).content.decode()
    assert "https://meet.example.org/img-secret" in page
    ics = client.get(reverse("events:ics", args=[event.pk])).content.decode()
    assert "img-secret" in ics
