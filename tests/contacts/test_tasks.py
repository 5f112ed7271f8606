"""Follow-up reminders: one email to the log's owner per contact and date, on
the day (or a few days late, once), never to anyone else."""

from datetime import timedelta

import pytest
from django.utils import timezone

from contacts import services
from contacts.models import Contact
from contacts.tasks import follow_ups_send_task
from imgportal.celery import app
from members.models import DeletionRequest
from members.services import deletion_request_confirm
from notifications import preferences
from notifications.models import Category, OutboundEmail

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def _emails():
    return OutboundEmail.objects.filter(idempotency_key__startswith="contact-follow-up")


def test_a_follow_up_is_reminded_once_to_its_owner_only(
    resident, mentor, django_capture_on_commit_callbacks
):
    today = TODAY()
    due = Contact.objects.create(
        member=resident,
        name="Dr. Marcus Feld",
        institution="St. Anne's",
        discussed="PRIVATE-NOTES",
        follow_up_on=today,
    )
    Contact.objects.create(
        member=resident, name="Later", follow_up_on=today + timedelta(1)
    )
    Contact.objects.create(member=resident, name="Undated")
    with django_capture_on_commit_callbacks(execute=True):
        assert follow_ups_send_task() == 1
    assert follow_ups_send_task() == 0  # run twice: nothing more
    email = _emails().get()
    assert email.to == resident.user.email and email.status == "sent"
    assert email.idempotency_key == f"contact-follow-up:{due.pk}:{today.isoformat()}"
    assert email.category == Category.FOLLOW_UPS
    assert "Dr. Marcus Feld" not in email.subject  # the admin lists subjects
    assert "Dr. Marcus Feld" in email.body_text
    assert "PRIVATE-NOTES" not in email.body_text
    assert mentor.user.email not in _emails().values_list("to", flat=True)


def test_a_missed_follow_up_is_reminded_late_once_and_old_ones_never(
    resident, django_capture_on_commit_callbacks
):
    today = TODAY()
    Contact.objects.create(
        member=resident, name="Missed", follow_up_on=today - timedelta(3)
    )
    Contact.objects.create(
        member=resident, name="Ancient", follow_up_on=today - timedelta(90)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.follow_ups_send(today=today) == 1
        assert services.follow_ups_send(today=today + timedelta(days=1)) == 0
    assert "due" in _emails().get().subject


def test_a_new_follow_up_date_is_reminded_again(
    resident, django_capture_on_commit_callbacks
):
    today = TODAY()
    contact = Contact.objects.create(member=resident, name="A", follow_up_on=today)
    with django_capture_on_commit_callbacks(execute=True):
        services.follow_ups_send(today=today)
        contact.follow_up_on = today + timedelta(days=7)
        contact.save()
        services.follow_ups_send(today=today + timedelta(days=7))
    assert _emails().count() == 2


def test_an_unsubscribed_member_gets_no_reminder(
    resident, django_capture_on_commit_callbacks
):
    Contact.objects.create(member=resident, name="A", follow_up_on=TODAY())
    preferences.unsubscribe(member_id=resident.pk, category=Category.FOLLOW_UPS)
    with django_capture_on_commit_callbacks(execute=True):
        services.follow_ups_send()
    assert list(_emails().values_list("status", flat=True)) == ["skipped"]


def test_a_follow_up_moved_before_sending_is_not_sent(
    resident, django_capture_on_commit_callbacks
):
    contact = Contact.objects.create(member=resident, name="A", follow_up_on=TODAY())
    services.follow_ups_send()  # queued, not yet sent (no commit callbacks run)
    contact.follow_up_on = TODAY() + timedelta(days=5)
    contact.save()
    from notifications.outbox import email_deliver

    email_deliver(email_id=_emails().get().pk)
    assert _emails().get().status == "cancelled"


def test_erased_and_inactive_members_get_no_reminders(
    resident, mentor, co_lead, django_capture_on_commit_callbacks
):
    Contact.objects.create(member=resident, name="A", follow_up_on=TODAY())
    Contact.objects.create(member=mentor, name="B", follow_up_on=TODAY())
    deletion_request_confirm(
        request=DeletionRequest.objects.create(member=resident), by=co_lead.user
    )
    mentor.user.is_active = False
    mentor.user.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.follow_ups_send() == 0
    assert not _emails().exists()


def test_beat_runs_the_follow_ups_every_morning():
    entry = app.conf.beat_schedule["contact-follow-ups"]
    assert entry["task"] == "contacts.tasks.follow_ups_send_task"
    assert entry["schedule"].hour == {7} and entry["schedule"].minute == {0}
