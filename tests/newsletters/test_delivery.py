"""Newsletter delivery against a real SMTP server: once per person, no matter what."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from members.models import Member
from newsletters import services
from newsletters.models import Category, Delivery, EmailPreferences, Newsletter
from tests.factories import MemberFactory
from tests.newsletters.conftest import body_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def newsletter(co_lead):
    return services.newsletter_save(
        newsletter=Newsletter(
            subject="Welcome to July",
            body="# Orientation\n\nSee you **Friday**. <script>alert(1)</script>",
        ),
        by=co_lead.user,
    )


def _send(newsletter, by, capture):
    with capture(execute=True):
        services.newsletter_send_now(newsletter=newsletter, by=by.user)


def test_each_active_member_gets_exactly_one_message_with_both_parts_and_headers(
    newsletter, co_lead, smtp, django_capture_on_commit_callbacks
):
    members = MemberFactory.create_batch(5)
    MemberFactory(status=Member.Status.PENDING)
    _send(newsletter, co_lead, django_capture_on_commit_callbacks)
    newsletter.refresh_from_db()
    assert newsletter.status == Newsletter.Status.SENT
    active = Member.objects.filter(status="active").count()
    assert len(smtp.messages) == active
    message = smtp.recorder.to(members[0].user.email)[0]
    assert message["Subject"] == "Welcome to July"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Precedence"] == "bulk"
    html = body_of(message, "html")
    assert "<strong>Friday</strong>" in html
    assert "<script>" not in html
    text = body_of(message, "plain")
    assert "See you **Friday**" in text
    link = re.search(r"<(http[^>]+)>", message["List-Unsubscribe"]).group(1)
    assert link in text


def test_the_unsubscribe_link_works_without_signing_in(
    newsletter, co_lead, resident, smtp, django_capture_on_commit_callbacks
):
    _send(newsletter, co_lead, django_capture_on_commit_callbacks)
    message = smtp.recorder.to(resident.user.email)[0]
    path = re.search(r"<https?://[^/]+(/[^>]+)>", message["List-Unsubscribe"]).group(1)
    anonymous = Client(enforce_csrf_checks=True)
    page = anonymous.get(path)
    assert page.status_code == 200
    assert "Unsubscribe from newsletters?" in page.content.decode()
    assert not EmailPreferences.objects.filter(
        member=resident
    ).exists()  # GET: no change
    done = anonymous.post(
        path,
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert done.status_code == 200
    assert "You're unsubscribed" in done.content.decode()
    assert not services.member_wants(
        member_id=resident.pk, category=Category.NEWSLETTER
    )
    assert services.member_wants(member_id=resident.pk, category=Category.DIGEST)


@pytest.mark.parametrize(
    "token", ["garbage", "eyJtIjoxLCJjIjoibmV3c2xldHRlciJ9:bad:sig"]
)
def test_a_tampered_unsubscribe_token_changes_nothing(client, token):
    url = reverse("newsletters:unsubscribe", args=[token])
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 400
        assert "This unsubscribe link doesn't work" in response.content.decode()
    assert not EmailPreferences.objects.exists()


def test_an_expired_unsubscribe_token_is_refused(client, resident, monkeypatch):
    from newsletters import unsubscribe as module

    token = module.unsubscribe_token(resident.pk, "newsletter")
    monkeypatch.setattr(module, "MAX_AGE", -1)
    response = client.post(reverse("newsletters:unsubscribe", args=[token]))
    assert response.status_code == 400
    assert services.member_wants(member_id=resident.pk, category="newsletter")


def test_members_who_opted_out_are_skipped_and_counted(
    newsletter, co_lead, resident, smtp, django_capture_on_commit_callbacks
):
    services.unsubscribe(member_id=resident.pk, category=Category.NEWSLETTER)
    assert services.audience_counts({})["skipped"] == 1
    _send(newsletter, co_lead, django_capture_on_commit_callbacks)
    assert smtp.recorder.to(resident.user.email) == []
    skipped = Delivery.objects.get(member=resident)
    assert skipped.status == Delivery.Status.SKIPPED


def test_a_segment_reaches_only_its_members(
    co_lead, smtp, django_capture_on_commit_callbacks
):
    h1b = MemberFactory(visa_status="h1b", training_stage="pgy2")
    MemberFactory(visa_status="j1", training_stage="pgy2")
    newsletter = services.newsletter_save(
        newsletter=Newsletter(
            subject="H-1B", body="Renewals", audience={"visa_statuses": ["h1b"]}
        ),
        by=co_lead.user,
    )
    _send(newsletter, co_lead, django_capture_on_commit_callbacks)
    assert [m["To"] for m in smtp.messages] == [h1b.user.email]


def test_running_the_fan_out_and_batches_again_sends_nothing_more(
    newsletter, co_lead, smtp, django_capture_on_commit_callbacks
):
    MemberFactory.create_batch(3)
    _send(newsletter, co_lead, django_capture_on_commit_callbacks)
    count = len(smtp.messages)
    Newsletter.objects.filter(pk=newsletter.pk).update(status="sending")  # beat twice
    services.newsletter_fan_out(newsletter_id=newsletter.pk)
    ids = list(Delivery.objects.values_list("pk", flat=True))
    services.deliveries_send_batch(newsletter_id=newsletter.pk, delivery_ids=ids)
    services.newsletters_resume()
    assert len(smtp.messages) == count
    assert Delivery.objects.filter(newsletter=newsletter).count() == count


def test_a_fan_out_stopped_half_way_resumes_with_one_message_each(
    newsletter, co_lead, smtp, monkeypatch
):
    """The worker dies after the first 7 messages of a batch of 20: the resume task
    sends the other 13, and nobody gets two."""
    MemberFactory.create_batch(19)
    newsletter.status = Newsletter.Status.SENDING
    newsletter.save()
    monkeypatch.setattr(services, "_enqueue_pending", lambda newsletter_id: 0)
    services.newsletter_fan_out(newsletter_id=newsletter.pk)
    ids = list(Delivery.objects.values_list("pk", flat=True))
    assert len(ids) == 20

    from django.core.mail.backends.smtp import EmailBackend

    real_send = EmailBackend.send_messages
    calls = {"n": 0}

    def dying_send(self, messages):
        calls["n"] += 1
        if calls["n"] > 7:
            raise SystemExit("worker killed")
        return real_send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", dying_send)
    with pytest.raises(SystemExit):
        services.deliveries_send_batch(newsletter_id=newsletter.pk, delivery_ids=ids)
    assert len(smtp.messages) == 7
    monkeypatch.setattr(EmailBackend, "send_messages", real_send)
    monkeypatch.undo()  # the real _enqueue_pending again
    # Time passes: the claims of the dead worker go stale.
    Delivery.objects.filter(status="sending").update(
        claimed_at=newsletter.created_at.replace(year=2000)
    )
    services.newsletters_resume()  # eager tasks: the batch runs at once
    recipients = [m["To"] for m in smtp.messages]
    assert len(recipients) == 20
    assert len(set(recipients)) == 20
    newsletter.refresh_from_db()
    assert newsletter.status == Newsletter.Status.SENT


def test_a_permanent_refusal_is_a_failure_with_the_reason_and_counts_as_a_bounce(
    newsletter, co_lead, resident, smtp, django_capture_on_commit_callbacks
):
    smtp.recorder.refuse.add(resident.user.email)
    _send(newsletter, co_lead, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get(member=resident)
    assert delivery.status == Delivery.Status.FAILED
    assert "550" in delivery.error and "No such mailbox" in delivery.error
    assert EmailPreferences.objects.get(member=resident).hard_bounces == 1
    progress = services.newsletter_progress(newsletter)
    assert progress["counts"]["failed"] == 1
    assert progress["failures"][0]["email"] == resident.user.email


def test_repeated_hard_bounces_stop_mail_until_the_member_confirms(
    co_lead, resident, smtp, django_capture_on_commit_callbacks
):
    for _ in range(3):
        services.record_hard_bounce(member_id=resident.pk)
    assert not services.member_wants(member_id=resident.pk, category="newsletter")
    newsletter = services.newsletter_save(
        newsletter=Newsletter(subject="After", body="x"), by=co_lead.user
    )
    _send(newsletter, co_lead, django_capture_on_commit_callbacks)
    assert smtp.recorder.to(resident.user.email) == []
    services.mail_resume(member=resident)
    assert services.member_wants(member_id=resident.pk, category="newsletter")


def test_a_temporary_refusal_is_retried_later(
    newsletter, co_lead, resident, smtp, django_capture_on_commit_callbacks
):
    smtp.recorder.defer.add(resident.user.email)
    _send(newsletter, co_lead, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get(member=resident)
    assert delivery.status == Delivery.Status.PENDING
    assert delivery.attempts == 1
    assert "451" in delivery.error
    assert delivery.next_attempt_at is not None
    newsletter.refresh_from_db()
    assert newsletter.status == Newsletter.Status.SENDING  # not done while one waits
    smtp.recorder.defer.clear()
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=None)
    services.newsletters_resume()
    assert len(smtp.recorder.to(resident.user.email)) == 1
    newsletter.refresh_from_db()
    assert newsletter.status == Newsletter.Status.SENT


def test_an_smtp_server_that_is_down_means_retries_then_a_recorded_failure(
    newsletter, co_lead, resident, settings, django_capture_on_commit_callbacks
):
    from tests.smtp_sink import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    _send(newsletter, co_lead, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get(member=resident)
    assert delivery.status == Delivery.Status.PENDING
    assert "Could not reach the mail server" in delivery.error
    for _ in range(services.MAX_ATTEMPTS):
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=None)
        services.newsletters_resume()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.error.startswith("Gave up after 5 attempts")
