"""Newsletter delivery against a real SMTP server: once per person, no matter what."""

import re
from email.header import decode_header, make_header

import pytest
from django.test import Client
from django.urls import reverse

from members.models import Member
from newsletters import selectors, services, transport
from newsletters.models import Delivery, Newsletter
from notifications import preferences
from notifications import selectors as notification_selectors
from notifications.models import Category, EmailPreferences
from notifications.unsubscribe import read_token
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


@pytest.mark.parametrize(
    ("body", "templated"),
    [
        ("Short lines, sent from the per-batch template.", True),
        # A 1,200-character line needs quoted-printable: the full build per message.
        ("Très long: " + "é" * 1200, False),
    ],
)
def test_every_message_carries_its_own_address_message_id_and_unsubscribe_link(
    body, templated, co_lead, smtp, django_capture_on_commit_callbacks, monkeypatch
):
    built = []
    real_template = transport.BatchSender._template

    def spy(self):
        built.append(real_template(self))
        return built[-1]

    monkeypatch.setattr(transport.BatchSender, "_template", spy)
    members = MemberFactory.create_batch(3)
    newsletter = services.newsletter_save(
        newsletter=Newsletter(subject="Été", body=body), by=co_lead.user
    )
    _send(newsletter, co_lead, django_capture_on_commit_callbacks)
    links = set()
    for member in [co_lead, *members]:
        (message,) = smtp.recorder.to(member.user.email)
        assert message["Message-ID"] == f"<nl-{newsletter.pk}-{member.pk}@testserver>"
        assert str(make_header(decode_header(message["Subject"]))) == "Été"
        link = re.search(r"<(http[^>]+)>", message["List-Unsubscribe"]).group(1)
        assert link in body_of(message, "plain")
        assert f'href="{link}"' in body_of(message, "html")
        assert body[:40] in body_of(message, "plain")
        token = link.rstrip("/").rsplit("/", 1)[1]
        assert read_token(token) == (member.pk, Category.NEWSLETTER)
        links.add(link)
    assert len(links) == 4
    assert built and all((b is not None) == templated for b in built)


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
    assert not preferences.member_wants(
        member_id=resident.pk, category=Category.NEWSLETTER
    )
    assert preferences.member_wants(member_id=resident.pk, category=Category.DIGEST)


@pytest.mark.parametrize(
    "token", ["garbage", "eyJtIjoxLCJjIjoibmV3c2xldHRlciJ9:bad:sig"]
)
def test_a_tampered_unsubscribe_token_changes_nothing(client, token):
    url = reverse("notifications:unsubscribe", args=[token])
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 400
        assert "This unsubscribe link doesn't work" in response.content.decode()
    assert not EmailPreferences.objects.exists()


def test_an_expired_unsubscribe_token_is_refused(client, resident, monkeypatch):
    from notifications import unsubscribe as module

    token = module.unsubscribe_token(resident.pk, "newsletter")
    monkeypatch.setattr(module, "MAX_AGE", -1)
    response = client.post(reverse("notifications:unsubscribe", args=[token]))
    assert response.status_code == 400
    assert preferences.member_wants(member_id=resident.pk, category="newsletter")


def test_members_who_opted_out_are_skipped_and_counted(
    newsletter, co_lead, resident, smtp, django_capture_on_commit_callbacks
):
    preferences.unsubscribe(member_id=resident.pk, category=Category.NEWSLETTER)
    assert notification_selectors.audience_counts({})["skipped"] == 1
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


def _twenty_pending(newsletter, monkeypatch) -> list[int]:
    MemberFactory.create_batch(19)
    newsletter.status = Newsletter.Status.SENDING
    newsletter.save()
    monkeypatch.setattr(services, "_enqueue_pending", lambda newsletter_id: 0)
    services.newsletter_fan_out(newsletter_id=newsletter.pk)
    ids = list(Delivery.objects.values_list("pk", flat=True))
    assert len(ids) == 20
    return ids


def _time_passes(newsletter) -> None:
    """The claims of the dead worker go stale."""
    Delivery.objects.filter(status="sending").update(
        claimed_at=newsletter.created_at.replace(year=2000)
    )


def test_a_worker_that_dies_before_the_final_dot_resends_that_one_once(
    newsletter, co_lead, smtp, monkeypatch
):
    """The worker dies with the 8th message's body at the server but before it
    could record the message as sent (so before the final "."): the server keeps
    nothing of it, and the resume sends the 8th and the other 12 once each."""
    ids = _twenty_pending(newsletter, monkeypatch)
    real_hand_over = services._hand_over
    calls = {"n": 0}

    def dying_hand_over(delivery_id, claimed_at, then=None):
        calls["n"] += 1
        if calls["n"] == 8:
            raise SystemExit("worker killed")
        return real_hand_over(delivery_id, claimed_at, then)

    monkeypatch.setattr(services, "_hand_over", dying_hand_over)
    with pytest.raises(SystemExit):
        services.deliveries_send_batch(newsletter_id=newsletter.pk, delivery_ids=ids)
    assert len(smtp.messages) == 7
    assert Delivery.objects.filter(status=Delivery.Status.SENDING).count() == 13
    monkeypatch.undo()  # the real _hand_over and _enqueue_pending again
    services.newsletters_resume()  # too early: the claim is not stale yet
    assert len(smtp.messages) == 7
    _time_passes(newsletter)
    services.newsletters_resume()  # eager tasks: the batch runs at once
    services.newsletters_resume()  # beat again: nothing more
    recipients = [m["To"] for m in smtp.messages]
    assert len(recipients) == 20
    assert len(set(recipients)) == 20
    newsletter.refresh_from_db()
    assert newsletter.status == Newsletter.Status.SENT
    assert selectors.newsletter_progress(newsletter)["counts"]["sent"] == 20


def test_a_batch_whose_claim_was_released_stops_and_sends_nothing_twice(
    newsletter, co_lead, smtp, monkeypatch
):
    """A worker thought dead (its claim released and its rows given to another
    batch) is still running: at its next message it finds the row is no longer
    its own, drops the connection before the final "." and stops."""
    ids = _twenty_pending(newsletter, monkeypatch)
    real_hand_over = services._hand_over
    calls = {"n": 0, "second": None}

    def slow_hand_over(delivery_id, claimed_at, then=None):
        calls["n"] += 1
        if calls["n"] == 5:  # meanwhile, the resume and another worker
            Delivery.objects.filter(status="sending").update(
                status="pending", claimed_at=None
            )
            calls["second"] = services.deliveries_send_batch(
                newsletter_id=newsletter.pk, delivery_ids=ids
            )
        return real_hand_over(delivery_id, claimed_at, then)

    monkeypatch.setattr(services, "_hand_over", slow_hand_over)
    first = services.deliveries_send_batch(
        newsletter_id=newsletter.pk, delivery_ids=ids
    )
    assert first["sent"] == 4
    assert calls["second"]["sent"] == 16
    recipients = [m["To"] for m in smtp.messages]
    assert len(recipients) == 20
    assert len(set(recipients)) == 20
    assert Delivery.objects.filter(status=Delivery.Status.SENT).count() == 20


def test_an_answer_lost_after_the_final_dot_is_in_doubt_with_the_reason(
    newsletter, co_lead, smtp, monkeypatch
):
    """The server takes the 3rd message and hangs up before answering: that one
    was probably delivered, so it is recorded in doubt, not resent; the rest wait
    for another attempt."""
    ids = _twenty_pending(newsletter, monkeypatch)
    third = Delivery.objects.get(pk=sorted(ids)[2])
    smtp.recorder.hang_up.add(third.email)
    result = services.deliveries_send_batch(
        newsletter_id=newsletter.pk, delivery_ids=ids
    )
    assert result["sent"] == 2 and result["uncertain"] == 1 and result["retry"] == 17
    third.refresh_from_db()
    assert third.status == Delivery.Status.UNCERTAIN
    assert "probably delivered" in third.error and "not sent again" in third.error
    assert len(smtp.recorder.to(third.email)) == 1
    progress = selectors.newsletter_progress(newsletter)
    assert progress["counts"]["pending"] == 17
    in_doubt = [f for f in progress["failures"] if f["status"] == "uncertain"]
    assert [f["email"] for f in in_doubt] == [third.email]


def test_a_permanent_refusal_is_a_failure_with_the_reason_and_counts_as_a_bounce(
    newsletter, co_lead, resident, smtp, django_capture_on_commit_callbacks
):
    smtp.recorder.refuse.add(resident.user.email)
    _send(newsletter, co_lead, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get(member=resident)
    assert delivery.status == Delivery.Status.FAILED
    assert "550" in delivery.error and "No such mailbox" in delivery.error
    assert EmailPreferences.objects.get(member=resident).hard_bounces == 1
    progress = selectors.newsletter_progress(newsletter)
    assert progress["counts"]["failed"] == 1
    assert progress["failures"][0]["email"] == resident.user.email


def test_repeated_hard_bounces_stop_mail_until_the_member_confirms(
    co_lead, resident, smtp, django_capture_on_commit_callbacks
):
    for _ in range(3):
        preferences.record_hard_bounce(member_id=resident.pk)
    assert not preferences.member_wants(member_id=resident.pk, category="newsletter")
    newsletter = services.newsletter_save(
        newsletter=Newsletter(subject="After", body="x"), by=co_lead.user
    )
    _send(newsletter, co_lead, django_capture_on_commit_callbacks)
    assert smtp.recorder.to(resident.user.email) == []
    preferences.mail_resume(member=resident)
    assert preferences.member_wants(member_id=resident.pk, category="newsletter")


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
    from tests.servers import free_port

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
    # The sender sees who was not reached, and why.
    from django.urls import reverse

    from tests.conftest import client_for, page_text

    page = page_text(
        client_for(co_lead).get(
            reverse("newsletters:manage_detail", args=[newsletter.pk])
        )
    )
    assert resident.user.email in page and "Gave up after 5 attempts" in page
