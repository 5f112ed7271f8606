"""Preview as email (issue 22): newsletters, event announcements and messages
to attendees show exactly the email that is sent, both parts, with the viewer
as recipient, to the people who may send it and nobody else."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from events import rsvps
from events import services as event_services
from newsletters import services as newsletter_services
from newsletters.models import Newsletter
from notifications.preview import RAW_EMAIL_POLICY
from tests.conftest import client_for, page_text
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r"/unsubscribe/[^/\"\s]+/")


def _same_email(html: str) -> str:
    """Two renderings a second apart sign the unsubscribe link differently."""
    return TOKEN.sub("/unsubscribe/TOKEN/", html)


def _html_of(message) -> str:
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    return html


def _check_raw(response):
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == RAW_EMAIL_POLICY
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    return response.content.decode()


@pytest.fixture
def newsletter(co_lead):
    return newsletter_services.newsletter_save(
        newsletter=Newsletter(
            subject="July news", body="Orientation is on **Friday**: see you."
        ),
        by=co_lead.user,
    )


def test_a_newsletter_preview_shows_the_email_its_recipients_get(
    co_lead, newsletter, django_capture_on_commit_callbacks
):
    client = client_for(co_lead)
    manage = client.get(reverse("newsletters:manage_detail", args=[newsletter.pk]))
    page_url = reverse("newsletters:manage_email", args=[newsletter.pk])
    assert page_url in manage.content.decode()
    page = client.get(page_url)
    assert page.status_code == 200
    raw_url = reverse("newsletters:manage_email_raw", args=[newsletter.pk])
    assert f'src="{raw_url}"' in page.content.decode()
    assert "sandbox" in page.content.decode()
    text = page_text(page)
    assert "Orientation is on **Friday**: see you." in text  # the text part
    assert "Unsubscribe from newsletters" in text
    preview = _check_raw(client.get(raw_url))
    with django_capture_on_commit_callbacks(execute=True):
        newsletter_services.newsletter_send_now(newsletter=newsletter, by=co_lead.user)
    (sent,) = [m for m in mail.outbox if m.to == [co_lead.user.email]]
    assert _same_email(preview) == _same_email(_html_of(sent))
    assert "<strong>Friday</strong>" in preview


@pytest.mark.parametrize("role", ["resident", "mentor"])
def test_only_those_who_send_newsletters_see_their_preview(role, request, newsletter):
    client = client_for(request.getfixturevalue(role))
    for name in ("newsletters:manage_email", "newsletters:manage_email_raw"):
        assert client.get(reverse(name, args=[newsletter.pk])).status_code == 403


def test_an_event_announcement_preview_is_what_publishing_sends(
    gme_staff, django_capture_on_commit_callbacks
):
    event = EventFactory(status="draft", published_at=None, title="Visa panel")
    client = client_for(gme_staff)
    detail = client.get(event.get_absolute_url())
    page_url = reverse("events:announcement_email", args=[event.pk])
    assert page_url in detail.content.decode()
    page = client.get(page_url)
    assert page.status_code == 200
    assert "New event: Visa panel" in page_text(page)
    raw = _check_raw(
        client.get(reverse("events:announcement_email_raw", args=[event.pk]))
    )
    assert "Visa panel" in raw
    with django_capture_on_commit_callbacks(execute=True):
        event_services.event_publish(event=event, by=gme_staff.user)
    (sent,) = [m for m in mail.outbox if m.to == [gme_staff.user.email]]
    assert sent.subject == "New event: Visa panel"
    assert _same_email(raw) == _same_email(_html_of(sent))
    # Once published, the preview shows the announcement that went out.
    again = client.get(reverse("events:announcement_email_raw", args=[event.pk]))
    assert _same_email(again.content.decode()) == _same_email(_html_of(sent))


@pytest.mark.parametrize("role", ["resident", "mentor"])
def test_only_event_managers_see_the_announcement_preview(role, request):
    event = EventFactory(status="draft", published_at=None)
    client = client_for(request.getfixturevalue(role))
    for name in ("events:announcement_email", "events:announcement_email_raw"):
        assert client.get(reverse(name, args=[event.pk])).status_code == 403


def test_a_message_to_attendees_previews_as_the_email_each_person_gets(
    gme_staff, django_capture_on_commit_callbacks
):
    event = EventFactory(title="IMG happy hour")
    rsvps.rsvp_yes(event=event, member=gme_staff)
    mail.outbox.clear()
    client = client_for(gme_staff)
    data = {"groups": ["going"], "subject": "Room change", "body": "Now in 4B."}
    written = client.post(
        reverse("events:message", args=[event.pk]), {**data, "preview": "1"}
    )
    page_url = reverse("events:message_email", args=[event.pk])
    assert page_url in written.content.decode()  # the "Preview as email" button
    page = client.post(page_url, data, follow=True)
    assert page.status_code == 200
    text = page_text(page)
    assert "Room change (IMG happy hour)" in text
    assert "Now in 4B." in text
    raw = _check_raw(client.get(reverse("events:message_email_raw", args=[event.pk])))
    form = written.context["form"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("events:message", args=[event.pk]),
            {**data, "key": form.initial["key"], "previewed": form.initial["previewed"]}
            | {"send": "1"},
        )
    (sent,) = [m for m in mail.outbox if m.to == [gme_staff.user.email]]
    assert raw == _html_of(sent)


def test_a_resident_cannot_preview_an_event_message(resident):
    event = EventFactory()
    client = client_for(resident)
    url = reverse("events:message_email", args=[event.pk])
    assert client.post(url, {"subject": "x", "body": "y"}).status_code == 403
    assert client.get(url).status_code == 403
