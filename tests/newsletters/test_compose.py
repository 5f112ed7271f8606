"""Composing and sending, as co-leads and GME staff do it; reading, as members do."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from newsletters import services
from newsletters.models import Newsletter
from notifications import preferences
from notifications import selectors as notification_selectors
from notifications.models import Category
from tests.conftest import client_for, page_text
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _compose(client, **data):
    payload = {"subject": "July news", "body": "Hello **all**"}
    payload.update(data)
    return client.post(reverse("newsletters:create"), payload)


@pytest.mark.parametrize("role", ["gme_staff", "co_lead"])
def test_staff_compose_and_see_a_preview_with_the_recipient_count(role, request):
    author = request.getfixturevalue(role)
    MemberFactory.create_batch(3)
    client = client_for(author)
    response = _compose(client)
    newsletter = Newsletter.objects.get()
    assert response["Location"] == reverse(
        "newsletters:manage_detail", args=[newsletter.pk]
    )
    page = page_text(client.get(response["Location"]))
    assert "<strong>all</strong>" in page
    active = notification_selectors.audience_counts({})["recipients"]
    assert f"<strong>{active}</strong> members will receive it" in page


@pytest.mark.parametrize("role", ["resident", "mentor"])
def test_residents_and_mentors_cannot_compose_or_send(role, request, co_lead):
    client = client_for(request.getfixturevalue(role))
    assert _compose(client).status_code == 403
    newsletter = services.newsletter_save(
        newsletter=Newsletter(subject="x", body="y"), by=co_lead.user
    )
    response = client.post(
        reverse("newsletters:manage_detail", args=[newsletter.pk]), {"action": "send"}
    )
    assert response.status_code == 403
    newsletter.refresh_from_db()
    assert newsletter.status == Newsletter.Status.DRAFT


def test_empty_subject_or_body_is_a_field_error_and_keeps_the_text(co_lead):
    response = _compose(client_for(co_lead), subject="   ", body="Kept text")
    assert response.status_code == 200
    assert response.context["form"].errors["subject"] == ["This field is required."]
    assert "Kept text" in response.content.decode()
    assert not Newsletter.objects.exists()


def test_a_segment_matching_nobody_says_so_and_cannot_be_sent(co_lead):
    client = client_for(co_lead)
    _compose(client, visa_statuses=["e3"])
    newsletter = Newsletter.objects.get()
    page = page_text(
        client.get(reverse("newsletters:manage_detail", args=[newsletter.pk]))
    )
    assert "matches nobody who can receive it" in page
    assert "Send now" not in page
    response = client.post(
        reverse("newsletters:manage_detail", args=[newsletter.pk]),
        {"action": "send"},
        follow=True,
    )
    assert "matches nobody" in page_text(response)
    newsletter.refresh_from_db()
    assert newsletter.status == Newsletter.Status.DRAFT


def test_send_a_test_to_me_goes_only_to_the_author(
    co_lead, django_capture_on_commit_callbacks
):
    MemberFactory.create_batch(2)
    client = client_for(co_lead)
    _compose(client)
    newsletter = Newsletter.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("newsletters:manage_detail", args=[newsletter.pk]),
            {"action": "test"},
        )
    assert [m.to for m in mail.outbox] == [[co_lead.user.email]]
    assert mail.outbox[0].subject == "[TEST] July news"
    newsletter.refresh_from_db()
    assert newsletter.status == Newsletter.Status.DRAFT


def test_schedule_in_the_past_is_refused_with_a_field_error(co_lead):
    client = client_for(co_lead)
    _compose(client)
    newsletter = Newsletter.objects.get()
    past = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("newsletters:manage_detail", args=[newsletter.pk]),
        {"action": "schedule", "scheduled_for": past},
    )
    assert response.status_code == 200
    assert "Choose a time in the future." in page_text(response)
    newsletter.refresh_from_db()
    assert newsletter.status == Newsletter.Status.DRAFT


def test_schedule_then_cancel_then_nothing_is_sent(
    co_lead, django_capture_on_commit_callbacks
):
    client = client_for(co_lead)
    _compose(client)
    newsletter = Newsletter.objects.get()
    later = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    client.post(
        reverse("newsletters:manage_detail", args=[newsletter.pk]),
        {"action": "schedule", "scheduled_for": later},
    )
    newsletter.refresh_from_db()
    assert newsletter.status == Newsletter.Status.SCHEDULED
    client.post(
        reverse("newsletters:manage_detail", args=[newsletter.pk]), {"action": "cancel"}
    )
    newsletter.refresh_from_db()
    assert newsletter.status == Newsletter.Status.CANCELLED
    Newsletter.objects.filter(pk=newsletter.pk).update(scheduled_for=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert services.newsletters_dispatch_due() == 0
    assert mail.outbox == []


def test_a_due_scheduled_newsletter_is_sent_once_even_if_beat_fires_twice(
    co_lead, django_capture_on_commit_callbacks
):
    newsletter = services.newsletter_save(
        newsletter=Newsletter(subject="Due", body="x"), by=co_lead.user
    )
    services.newsletter_schedule(
        newsletter=newsletter,
        when=timezone.now() + timedelta(minutes=1),
        by=co_lead.user,
    )
    Newsletter.objects.filter(pk=newsletter.pk).update(
        scheduled_for=timezone.now() - timedelta(seconds=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.newsletters_dispatch_due() == 1
        assert services.newsletters_dispatch_due() == 0
    assert len(mail.outbox) == 1  # the co-lead is the only active member
    newsletter.refresh_from_db()
    assert newsletter.status == Newsletter.Status.SENT


def test_members_read_sent_newsletters_in_the_archive_but_not_drafts(resident, co_lead):
    sent = services.newsletter_save(
        newsletter=Newsletter(subject="Sent one", body="Read me"), by=co_lead.user
    )
    Newsletter.objects.filter(pk=sent.pk).update(
        status="sent", finished_at=timezone.now()
    )
    draft = services.newsletter_save(
        newsletter=Newsletter(subject="Secret draft", body="x"), by=co_lead.user
    )
    client = client_for(resident)
    archive = client.get(reverse("newsletters:archive")).content.decode()
    assert "Sent one" in archive and "Secret draft" not in archive
    assert client.get(reverse("newsletters:detail", args=[sent.pk])).status_code == 200
    assert client.get(reverse("newsletters:detail", args=[draft.pk])).status_code == 404


def test_members_choose_their_emails_and_resume_after_bounces(resident):
    client = client_for(resident)
    client.post(
        reverse("notifications:preferences"), {"wanted": ["newsletter", "digest"]}
    )
    assert preferences.member_wants(member_id=resident.pk, category=Category.NEWSLETTER)
    assert not preferences.member_wants(
        member_id=resident.pk, category=Category.EVENT_REMINDERS
    )
    for _ in range(3):
        preferences.record_hard_bounce(member_id=resident.pk)
    page = page_text(client.get(reverse("notifications:preferences")))
    assert "refused several times" in page
    client.post(reverse("notifications:preferences"), {"action": "resume"})
    assert preferences.member_wants(member_id=resident.pk, category=Category.NEWSLETTER)
