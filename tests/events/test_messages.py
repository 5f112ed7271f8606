"""Organisers write to an event's people (issue 20, item 4): chosen groups, a
preview with the count, one email each through the outbox, recorded on the
event page; a second click sends nothing more."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from events import attendance, messages, rsvps
from events.models import Attendance, EventMessage, Rsvp
from tests.conftest import client_for, page_text
from tests.factories import EventFactory, MemberFactory, bulk_members, event_on_the_day

pytestmark = pytest.mark.django_db


def _url(event):
    return reverse("events:message", args=[event.pk])


def _preview(client, event, **data):
    post = {"groups": ["going"], "subject": "Room change", "body": "Now in 4B."}
    post.update(data)
    return client.post(_url(event), {**post, "preview": "1"})


def _send_from(response, client, event):
    """Press Send on a preview: the hidden key and seal as the page has them."""
    form = response.context["form"]
    data = {
        "groups": form.initial["groups"],
        "subject": form.initial["subject"],
        "body": form.initial["body"],
        "key": form.initial["key"],
        "previewed": form.initial["previewed"],
        "send": "1",
    }
    return client.post(_url(event), data, follow=True)


@pytest.fixture
def happy_hour(mentor):
    event = EventFactory(title="IMG happy hour", capacity=2)
    event.organisers.add(mentor)
    going = MemberFactory.create_batch(2)
    for member in going:
        rsvps.rsvp_yes(event=event, member=member)
    waiting = MemberFactory()
    rsvps.rsvp_yes(event=event, member=waiting)
    mail.outbox.clear()
    return event, going, waiting


def test_an_organiser_previews_then_sends_one_email_to_each_person_going(
    mentor, happy_hour, django_capture_on_commit_callbacks
):
    event, going, waiting = happy_hour
    client = client_for(mentor)
    page = page_text(client.get(_url(event)))
    assert "Going: 2" in page and "On the waitlist: 1" in page
    response = _preview(client, event, body="We moved to room 4B.\n\nSee you!")
    preview = page_text(response)
    assert "Preview: to 2 people (going)" in preview
    assert "We moved to room 4B." in preview
    assert "Send to 2 people" in preview
    assert not EventMessage.objects.exists() and mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        page = page_text(_send_from(response, client, event))
    assert "Sending “Room change” to 2 people." in page
    sent = sorted(mail.outbox, key=lambda m: m.to)
    assert sorted(m.to for m in sent) == sorted([m.user.email] for m in going)
    for message in sent:
        assert message.subject == "Room change (IMG happy hour)"
        assert "We moved to room 4B." in message.body
        assert message.cc == [] and message.bcc == []
        assert message.extra_headers["Reply-To"] == mentor.user.email
        # Nobody learns who else got it.
        others = [m.user.email for m in going if [m.user.email] != message.to]
        assert not any(address in message.message().as_string() for address in others)
    assert waiting.user.email not in [m.to[0] for m in mail.outbox]
    # Recorded on the event page, for the organisers.
    detail = page_text(client.get(event.get_absolute_url()))
    assert "Room change" in detail and "to going (2 people)" in detail
    assert mentor.listed_name in detail
    member_view = page_text(client_for(going[0]).get(event.get_absolute_url()))
    assert "Messages sent to attendees" not in member_view


def test_a_second_click_on_send_sends_nothing_more(
    mentor, happy_hour, django_capture_on_commit_callbacks
):
    event, _going, _waiting = happy_hour
    client = client_for(mentor)
    response = _preview(client, event)
    with django_capture_on_commit_callbacks(execute=True):
        _send_from(response, client, event)
        page = page_text(_send_from(response, client, event))
    assert "That message was already sent; it went once." in page
    assert EventMessage.objects.count() == 1
    assert len(mail.outbox) == 2


def test_a_message_changed_after_the_preview_is_previewed_again(mentor, happy_hour):
    event, _going, _waiting = happy_hour
    client = client_for(mentor)
    response = _preview(client, event)
    form = response.context["form"]
    changed = client.post(
        _url(event),
        {
            "groups": ["going", "waitlist"],
            "subject": "Room change",
            "body": "Now in 5C.",
            "key": form.initial["key"],
            "previewed": form.initial["previewed"],
            "send": "1",
        },
    )
    page = page_text(changed)
    assert "The message changed since the preview: check it again." in page
    assert "Preview: to 3 people (going, on the waitlist)" in page
    assert not EventMessage.objects.exists() and mail.outbox == []


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"subject": "  "}, "subject", "Give the message a subject."),
        ({"body": "   "}, "body", "Write the message."),
        ({"groups": []}, "groups", "Choose who gets the message."),
        ({"groups": ["everyone"]}, "groups", "Select a valid choice."),
        # Before the event, nobody has "not come" yet: not on offer.
        ({"groups": ["no_show"]}, "groups", "Select a valid choice."),
        ({"groups": ["checked_in"]}, "groups", "Nobody is in the groups you chose"),
        ({"subject": "x" * 151}, "subject", "at most 150 characters"),
    ],
)
def test_bad_input_is_refused_beside_the_field_and_kept(
    mentor, happy_hour, data, field, message
):
    event, _going, _waiting = happy_hour
    response = _preview(client_for(mentor), event, **data)
    assert response.status_code == 400
    form = response.context["form"]
    assert any(message in error for error in form.errors[field])
    page = page_text(response)
    assert message.split(":")[0] in page
    if field != "body":
        assert "Now in 4B." in page  # what was typed is still there
    assert not EventMessage.objects.exists()


def test_after_the_event_write_to_those_who_came_or_did_not(
    mentor, co_lead, django_capture_on_commit_callbacks
):
    event = event_on_the_day()
    event.organisers.add(mentor)
    came, stayed_away = MemberFactory.create_batch(2)
    for member in (came, stayed_away):
        rsvps.rsvp_yes(event=event, member=member)
    attendance.attendance_mark(event=event, member=came, by=mentor.user)
    event.starts_at = timezone.now() - timedelta(hours=3)
    event.ends_at = timezone.now() - timedelta(hours=1)
    event.save()
    mail.outbox.clear()
    client = client_for(mentor)
    assert "Said yes but did not come: 1" in page_text(client.get(_url(event)))
    for group, person in (("no_show", stayed_away), ("checked_in", came)):
        response = _preview(
            client, event, groups=[group], subject=f"To {group}", body="Thanks"
        )
        with django_capture_on_commit_callbacks(execute=True):
            _send_from(response, client, event)
        (email,) = [m for m in mail.outbox if m.subject.startswith(f"To {group}")]
        assert email.to == [person.user.email]


def test_members_who_do_not_run_the_event_cannot_write(resident, happy_hour):
    event, going, _waiting = happy_hour
    client = client_for(going[0])
    assert client.get(_url(event)).status_code == 403
    assert _preview(client, event).status_code == 403
    response = client.post(
        _url(event),
        {
            "groups": ["going"],
            "subject": "Spam",
            "body": "Hi",
            "key": "k" * 20,
            "previewed": "x",
            "send": "1",
        },
    )
    assert response.status_code == 403
    assert not EventMessage.objects.exists()


def test_delivery_is_once_each_however_often_the_worker_runs(
    mentor, happy_hour, django_capture_on_commit_callbacks
):
    event, going, _waiting = happy_hour
    with django_capture_on_commit_callbacks(execute=False):
        message, _ = messages.event_message_send(
            event=event,
            subject="Parking",
            body="Use lot B.",
            groups=["going"],
            key=messages.new_key(),
            by=mentor.user,
        )
    # The worker died before it ran: the beat's resume picks it up later.
    assert messages.event_messages_resume() == 0  # not stalled yet
    later = timezone.now() + timedelta(minutes=5)
    with django_capture_on_commit_callbacks(execute=True):
        messages.event_messages_resume(now=later)
    assert len(mail.outbox) == 2
    # A retried task, then the beat again: no second copy.
    with django_capture_on_commit_callbacks(execute=True):
        messages.event_message_deliver(message_id=message.pk)
        messages.event_messages_resume(now=later)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.user.email for m in going)
    message.refresh_from_db()
    assert message.delivered_at is not None


def test_the_page_costs_the_same_queries_with_10_and_1000_people(mentor):
    """As many people going (a third checked in, some waiting) and as many
    messages sent before: the page's query count doesn't grow."""
    event = EventFactory()
    event.organisers.add(mentor)
    client = client_for(mentor)

    def count(n):
        members = bulk_members(n - event.rsvps.count())
        Rsvp.objects.bulk_create(
            Rsvp(
                event=event,
                member=m,
                status="waitlist" if i % 7 == 0 else "yes",
                waitlist_position=i if i % 7 == 0 else None,
            )
            for i, m in enumerate(members, start=event.rsvps.count())
        )
        Attendance.objects.bulk_create(
            Attendance(event=event, member=m, method="organiser") for m in members[1::3]
        )
        EventMessage.objects.bulk_create(
            EventMessage(
                event=event,
                key=messages.new_key(),
                subject="S",
                body="B",
                groups=["going"],
                recipient_ids=[m.pk],
                sent_by=mentor.user,
            )
            for m in members
        )
        client.get(_url(event))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_url(event)).status_code == 200
        return len(queries)

    assert count(10) == count(1000)
