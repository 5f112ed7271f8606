"""Capacity under real concurrency: separate connections, real transactions."""

import threading

import pytest
from django.db import connection

from events import rsvps
from events.models import Rsvp
from tests.factories import EventFactory, MemberFactory


@pytest.mark.django_db(transaction=True)
def test_sixty_members_saying_yes_at_once_to_fifty_seats(reference_data):
    """60 simultaneous yeses to 50 seats: exactly 50 going and 10 waiting, in
    positions 1 to 10, and no seat counted twice."""
    event = EventFactory(capacity=50)
    members = MemberFactory.create_batch(60)
    start = threading.Barrier(60)
    errors: list[BaseException] = []

    def say_yes(member):
        try:
            start.wait()
            rsvps.rsvp_yes(event=event, member=member)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=say_yes, args=(m,)) for m in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    answers = Rsvp.objects.filter(event=event)
    assert answers.filter(status="yes").count() == 50
    waiting = answers.filter(status="waitlist")
    assert waiting.count() == 10
    assert sorted(waiting.values_list("waitlist_position", flat=True)) == list(
        range(1, 11)
    )
    assert rsvps.seats_taken(event) == 50


@pytest.mark.django_db(transaction=True)
def test_double_clicked_yes_from_two_connections_is_one_rsvp(reference_data):
    event = EventFactory(capacity=5)
    member = MemberFactory()
    start = threading.Barrier(2)

    def say_yes():
        start.wait()
        try:
            rsvps.rsvp_yes(event=event, member=member)
        finally:
            connection.close()

    threads = [threading.Thread(target=say_yes) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert Rsvp.objects.filter(event=event, member=member).count() == 1
    assert rsvps.seats_taken(event) == 1
