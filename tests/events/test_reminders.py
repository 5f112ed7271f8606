"""Reminders, nudges, and what members hear when an event changes."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse
from django.utils import timezone

from events import rsvps, services
from events.models import Event, ReminderRule
from notifications import preferences
from notifications.models import Category, OutboundEmail
from tests.conftest import client_for, page_text
from tests.factories import EventFactory, MemberFactory

pytestmark = pytest.mark.django_db


def _event_with_going(n=2, **kwargs):
    event = EventFactory(**kwargs)
    ReminderRule.objects.bulk_create(
        ReminderRule(event=event, minutes_before=m, subject=s)
        for m, s in services.DEFAULT_REMINDERS
    )
    members = MemberFactory.create_batch(n)
    for member in members:
        rsvps.rsvp_yes(event=event, member=member)
    return event, members


def test_a_new_event_gets_reminders_a_day_and_an_hour_before(co_lead):
    start = timezone.now() + timedelta(days=10)
    event = services.event_save(
        event=Event(
            title="Panel",
            kind="orientation_panel",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
        ),
        by=co_lead.user,
    )
    assert sorted(event.reminders.values_list("minutes_before", flat=True)) == [
        60,
        1440,
    ]


def test_a_due_reminder_goes_once_to_each_person_going_with_the_ics(
    django_capture_on_commit_callbacks,
):
    event, members = _event_with_going(2)
    rsvps.rsvp_no(event=event, member=members[1])
    day_before = event.starts_at - timedelta(hours=23)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reminders_send_due(now=day_before) == 1
        assert services.reminders_send_due(now=day_before) == 0  # beat fires twice
    (message,) = mail.outbox
    assert message.to == [members[0].user.email]
    assert message.subject == f"Reminder: {event.title} is tomorrow"
    assert message.attachments[0][0] == f"event-{event.pk}.ics"
    assert "BEGIN:VEVENT" in message.attachments[0][1]
    assert message.extra_headers["List-Unsubscribe-Post"] == (
        "List-Unsubscribe=One-Click"
    )


def test_moving_the_event_moves_its_reminders(
    co_lead, django_capture_on_commit_callbacks
):
    event, _members = _event_with_going(1)
    old_day_before = event.starts_at - timedelta(hours=23)
    event.starts_at += timedelta(days=3)
    event.ends_at += timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        services.event_save(event=event, by=co_lead.user)
    mail.outbox.clear()
    assert services.reminders_send_due(now=old_day_before) == 0
    assert services.reminders_send_due(now=event.starts_at - timedelta(hours=23)) == 1


def test_a_reminder_queued_before_a_cancellation_is_not_sent(
    co_lead, django_capture_on_commit_callbacks
):
    event, _members = _event_with_going(1)
    with django_capture_on_commit_callbacks(execute=False):
        services.reminders_send_due(now=event.starts_at - timedelta(minutes=30))
    services.event_cancel(event=event, by=co_lead.user)
    from notifications import outbox as emails

    for email in OutboundEmail.objects.filter(
        idempotency_key__startswith="event-reminder"
    ):
        emails.email_deliver(email_id=email.pk)
        email.refresh_from_db()
        assert email.status == OutboundEmail.Status.CANCELLED
    assert not [m for m in mail.outbox if "Starting in an hour" in m.subject]


def test_members_who_turned_reminders_off_are_skipped(
    django_capture_on_commit_callbacks,
):
    event, members = _event_with_going(2)
    preferences.unsubscribe(member_id=members[0].pk, category=Category.EVENT_REMINDERS)
    with django_capture_on_commit_callbacks(execute=True):
        services.reminders_send_due(now=event.starts_at - timedelta(hours=23))
    assert [m.to for m in mail.outbox] == [[members[1].user.email]]


def test_a_reminder_already_due_when_published_is_not_sent():
    event, _members = _event_with_going(1)
    Event.objects.filter(pk=event.pk).update(
        published_at=event.starts_at - timedelta(hours=3)
    )
    assert services.reminders_send_due(now=event.starts_at - timedelta(hours=2)) == 0
    assert services.reminders_send_due(now=event.starts_at - timedelta(minutes=59)) == 1


def test_nudge_reaches_only_audience_members_who_have_not_answered(
    co_lead, django_capture_on_commit_callbacks
):
    event, members = _event_with_going(1)
    silent = MemberFactory()
    said_no = MemberFactory()
    rsvps.rsvp_no(event=event, member=said_no)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.event_nudge(event=event, by=co_lead.user)
        second = services.event_nudge(event=event, by=co_lead.user)
    count = first.queued
    assert first.earlier == 0
    assert second == services.Nudged(queued=0, earlier=count)
    recipients = {m.to[0] for m in mail.outbox}
    assert silent.user.email in recipients
    assert said_no.user.email not in recipients
    assert members[0].user.email not in recipients
    assert len(mail.outbox) == count  # the second nudge the same day sent nothing


def test_a_second_nudge_the_same_day_says_nothing_was_sent(co_lead):
    event, _ = _event_with_going(1)
    MemberFactory()
    client = client_for(co_lead)
    url = reverse("events:action", args=[event.pk])
    first = page_text(client.post(url, {"action": "nudge"}, follow=True))
    assert re.search(r"Reminder on its way to \d+ members? who haven't answered", first)
    second = page_text(client.post(url, {"action": "nudge"}, follow=True))
    assert "Nothing sent: the " in second
    assert "already had a reminder today (one a day at most)." in second
    assert "queued" not in second


def test_changing_the_time_tells_those_going_and_cancelling_tells_the_waitlist_too(
    co_lead, django_capture_on_commit_callbacks
):
    event, members = _event_with_going(1, capacity=1)
    waiting = MemberFactory()
    rsvps.rsvp_yes(event=event, member=waiting)
    event.place = "Auditorium B"
    with django_capture_on_commit_callbacks(execute=True):
        services.event_save(event=event, by=co_lead.user)
    (changed,) = mail.outbox
    assert changed.to == [members[0].user.email]
    assert "Auditorium B" in changed.body
    assert "place" in changed.subject
    assert "List-Unsubscribe" not in changed.extra_headers
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.event_cancel(event=event, by=co_lead.user)
    assert {m.to[0] for m in mail.outbox} == {
        members[0].user.email,
        waiting.user.email,
    }
    assert all("Cancelled" in m.subject for m in mail.outbox)


def test_organisers_change_reminders_with_their_own_subjects(co_lead):
    from django.urls import reverse

    from tests.conftest import client_for, page_text

    event, _ = _event_with_going(1)
    client = client_for(co_lead)
    url = reverse("events:reminders", args=[event.pk])
    assert "Reminder: {title} is tomorrow" in page_text(client.get(url))
    form = {
        "form-TOTAL_FORMS": "3",
        "form-INITIAL_FORMS": "2",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "10",
        "form-0-hours_before": "48",
        "form-0-subject": "Two days to {title}",
        "form-1-hours_before": "1",
        "form-1-subject": "Soon",
        "form-1-DELETE": "on",
        "form-2-hours_before": "0.5",
        "form-2-subject": "{oops}",
    }
    response = client.post(url, form)
    assert 'Use only "{title}" in braces' in page_text(response)
    form["form-2-subject"] = "Half an hour: {title}"
    assert client.post(url, form).status_code == 302
    assert list(event.reminders.values_list("minutes_before", "subject")) == [
        (2880, "Two days to {title}"),
        (30, "Half an hour: {title}"),
    ]
    two_days_before = event.starts_at - timedelta(hours=47)
    assert services.reminders_send_due(now=two_days_before) == 1
    assert (
        OutboundEmail.objects.get(idempotency_key__startswith="event-reminder").subject
        == f"Two days to {event.title}"
    )


def _reminders_to(member) -> list[str]:
    return [m.subject for m in mail.outbox if m.to == [member.user.email]]


def _move(event, by, delta, capture):
    event.starts_at += delta
    event.ends_at += delta
    with capture(execute=True):
        services.event_save(event=event, by=by)


@pytest.mark.parametrize(
    ("delta", "again"),
    [
        (timedelta(minutes=15), False),  # later by minutes: "tomorrow" still true
        (-timedelta(minutes=15), False),  # earlier by minutes
        (timedelta(hours=3), False),  # within the day-before window
        (timedelta(days=2), True),  # later by days: tomorrow is now another day
        (-timedelta(days=2), True),  # earlier by days
    ],
)
def test_a_sent_reminder_goes_again_only_after_a_move_beyond_its_window(
    co_lead, django_capture_on_commit_callbacks, delta, again
):
    """The review's case: moved 15 minutes after "tomorrow" went out, the old
    code sent a second "tomorrow" (its key held the start time)."""
    event, (member,) = _event_with_going(1)
    with django_capture_on_commit_callbacks(execute=True):
        services.reminders_send_due(now=event.starts_at - timedelta(hours=23))
    assert len(_reminders_to(member)) == 1
    _move(event, co_lead.user, delta, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    day_before = event.starts_at - timedelta(hours=23)
    with django_capture_on_commit_callbacks(execute=True):
        services.reminders_send_due(now=max(day_before, timezone.now()))
        services.reminders_send_due(now=max(day_before, timezone.now()))
    tomorrow = [s for s in _reminders_to(member) if "tomorrow" in s]
    assert len(tomorrow) == (1 if again else 0)
    # The hour-before reminder is its own offset: it still goes, once.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.reminders_send_due(now=event.starts_at - timedelta(minutes=30))
        services.reminders_send_due(now=event.starts_at - timedelta(minutes=20))
    assert len(_reminders_to(member)) == 1


def test_editing_the_reminders_sends_nothing_twice(
    co_lead, django_capture_on_commit_callbacks
):
    """reminders_set replaces the rules (new ids): a sent offset stays sent."""
    event, (member,) = _event_with_going(1)
    with django_capture_on_commit_callbacks(execute=True):
        services.reminders_send_due(now=event.starts_at - timedelta(hours=23))
        services.reminders_set(
            event=event,
            rules=[(1440, "Tomorrow: {title}"), (60, "Soon: {title}")],
        )
        services.reminders_send_due(now=event.starts_at - timedelta(hours=22))
    assert len(_reminders_to(member)) == 1


def test_a_cancelled_event_sends_no_reminder(
    co_lead, django_capture_on_commit_callbacks
):
    event, (member,) = _event_with_going(1)
    with django_capture_on_commit_callbacks(execute=True):
        services.event_cancel(event=event, by=co_lead.user)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            services.reminders_send_due(now=event.starts_at - timedelta(hours=23)) == 0
        )
        assert (
            services.reminders_send_due(now=event.starts_at - timedelta(minutes=30))
            == 0
        )
    assert _reminders_to(member) == []


def test_an_upgrade_counts_reminders_the_old_keys_sent():
    """The data migration reads the outbox keys written before ReminderSent."""
    import importlib

    from events.models import ReminderSent

    event, (member,) = _event_with_going(1)
    rule = event.reminders.get(minutes_before=1440)
    OutboundEmail.objects.create(
        idempotency_key=f"event-reminder:{rule.pk}:{member.pk}:"
        f"{int(event.starts_at.timestamp())}",
        to=member.user.email,
        subject="Reminder",
        body_text="x",
    )
    migration = importlib.import_module("events.migrations.0004_reminder_sent")
    # The models as they were when that migration ran (the outbox was imgportal's).
    then = MigrationLoader(connection).project_state(("events", "0004_reminder_sent"))
    migration.from_the_outbox(then.apps, None)
    sent = ReminderSent.objects.get(member=member)
    assert (sent.minutes_before, sent.for_starts_at) == (
        1440,
        event.starts_at.replace(microsecond=0),
    )
    assert services.reminders_send_due(now=event.starts_at - timedelta(hours=23)) == 0


def test_a_reminder_queued_just_before_a_small_move_still_goes(
    co_lead, django_capture_on_commit_callbacks
):
    """Queued (and counted as sent) for 18:00, delivered after a move to 18:15:
    still true within its window, so it goes rather than being lost."""
    from notifications import outbox as emails

    event, (member,) = _event_with_going(1)
    with django_capture_on_commit_callbacks(execute=False):
        services.reminders_send_due(now=event.starts_at - timedelta(hours=23))
    _move(
        event, co_lead.user, timedelta(minutes=15), django_capture_on_commit_callbacks
    )
    mail.outbox.clear()
    (email,) = OutboundEmail.objects.filter(
        idempotency_key__startswith="event-reminder"
    )
    emails.email_deliver(email_id=email.pk)
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT
    assert len(_reminders_to(member)) == 1
