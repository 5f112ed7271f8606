"""Quieter side channels: who comes to a visa-segment event, remote images,
and decisions that an empty POST must not take. (The calendar feed's private
deadlines are tested in tests/tracker/test_views.py.)"""

import html as html_module
import re
from datetime import date

import pytest
from django.core import mail
from django.urls import reverse

from events import rsvps as events_rsvps
from events import services as event_services
from events.models import Attendance
from imgportal.markdown import own_images_only, render_document, render_markdown
from members.models import CoLeadInvitation, DeletionRequest, Member
from newsletters import services as newsletter_services
from newsletters.models import Newsletter
from tests.conftest import client_for, page_text
from tests.factories import EventFactory, MemberFactory, event_on_the_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def j1_event(mentor):
    """An event for J-1 residents, organised by a resident (the mentor fixture
    is an ordinary member who organises it)."""
    event = EventFactory(audience={"visa_statuses": [Member.VisaStatus.J1]})
    event.organisers.add(mentor)
    return event


def _going(event, first_name):
    member = MemberFactory(
        user__first_name=first_name, visa_status=Member.VisaStatus.J1
    )
    return events_rsvps.rsvp_yes(event=event, member=member)


def test_a_resident_organiser_of_a_visa_segment_event_sees_counts_not_names(
    j1_event, mentor
):
    rsvp = _going(j1_event, "Zainab")
    client = client_for(mentor)
    for name in ("events:checkin", "events:waitlist"):
        response = client.get(reverse(name, args=[j1_event.pk]))
        assert response.status_code == 200
        text = page_text(response)
        assert "Zainab" not in text
        assert "Going (guests included): 1" in text
        assert j1_event.checkin_code in text
    posted = client.post(
        reverse("events:checkin", args=[j1_event.pk]),
        {"rsvp": rsvp.pk, "present": "1"},
    )
    assert posted.status_code == 403
    assert not Attendance.objects.exists()
    moved = client.post(
        reverse("events:waitlist", args=[j1_event.pk]), {"rsvp": rsvp.pk, "move": "up"}
    )
    assert moved.status_code == 403


def test_a_visa_segment_event_is_only_in_the_private_feed(j1_event, resident):
    from django.test import Client
    from icalendar import Calendar

    Member.objects.filter(pk=resident.pk).update(visa_status=Member.VisaStatus.J1)
    everyone = EventFactory(title="Picnic")
    for event in (j1_event, everyone):
        events_rsvps.rsvp_yes(event=event, member=resident)
    feed = event_services.calendar_private_feed_set(resident, on=True)

    def titles(token):
        body = Client().get(reverse("events:feed", args=[token])).content
        return [str(c["summary"]) for c in Calendar.from_ical(body).walk("VEVENT")]

    assert titles(feed.token) == ["Picnic"]
    assert titles(feed.private_token) == [j1_event.title]


@pytest.mark.parametrize("role", ["gme_staff", "co_lead"])
def test_gme_staff_and_co_leads_see_the_names(request, j1_event, role):
    _going(j1_event, "Zainab")
    client = client_for(request.getfixturevalue(role))
    text = page_text(client.get(reverse("events:checkin", args=[j1_event.pk])))
    assert "Zainab" in text


def test_an_organiser_of_an_event_for_everyone_sees_the_names(mentor):
    event = EventFactory(audience={"stages": ["pgy1"]})
    event.organisers.add(mentor)
    _going(event, "Zainab")
    text = page_text(client_for(mentor).get(reverse("events:checkin", args=[event.pk])))
    assert "Zainab" in text


def _as_a_browser_reads(url: str) -> str:
    """The URL standard's clean-up: C0 controls and spaces trimmed, tabs and
    newlines dropped anywhere, backslashes read as slashes."""
    url = "".join(c for c in html_module.unescape(url) if c not in "\t\n\r")
    return url.strip("".join(map(chr, range(33)))).replace("\\", "/")


@pytest.mark.parametrize(
    "src",
    [
        "https://tracker.example/p.png",
        "http://tracker.example/p.png",
        "//tracker.example/p.png",
        "/\\tracker.example/p.png",
        "data:image/png;base64,AAAA",
        "/\t/tracker.example/p.png",
        "/\n/tracker.example/p.png",
        "\x01//tracker.example/p.png",
        " //tracker.example/p.png",
        "\\\\tracker.example/p.png",
        "https://tracker.example@testserver/p.png",
    ],
)
def test_a_remote_image_loses_its_address_on_pages(src):
    raw = f'<img alt="chart" src="{src}">'
    for html in (
        render_markdown(f"![chart]({src})"),
        render_markdown(raw),
        render_document(raw).html,
        own_images_only(raw),
    ):
        for shown in re.findall(r'src="([^"]*)"', html):
            address = _as_a_browser_reads(shown)
            assert "//tracker.example" not in address, (src, html)
            assert not address.startswith(("data:", "http")), (src, html)
        assert 'alt="chart"' in html


@pytest.mark.parametrize("src", ["/static/img/logo.png", "images/a.png"])
def test_an_image_from_the_portal_is_shown_on_pages(src, settings):
    assert f'src="{src}"' in render_markdown(f"![logo]({src})")
    own = f"{settings.SITE_URL}/static/a.png"
    assert f'src="{own}"' in render_markdown(f"![logo]({own})")


def test_a_newsletter_email_carries_no_image_at_all(
    co_lead, settings, django_capture_on_commit_callbacks
):
    newsletter = newsletter_services.newsletter_save(
        newsletter=Newsletter(
            subject="Visa news",
            body=(
                "Hello ![pixel](https://tracker.example/p.png) "
                f"![ours]({settings.SITE_URL}/static/a.png) [a link](https://example.org)"
            ),
        ),
        by=co_lead.user,
    )
    assert "/static/a.png" in newsletter.body_html  # the archive page shows ours
    with django_capture_on_commit_callbacks(execute=True):
        newsletter_services.newsletter_send_test(newsletter=newsletter, to=co_lead.user)
    message = mail.outbox[-1]
    html = message.alternatives[0][0]
    assert "<img" not in html
    assert "tracker.example" not in html
    assert 'href="https://example.org"' in html


def test_an_empty_post_on_a_deletion_decision_changes_nothing(co_lead):
    deletion = DeletionRequest.objects.create(member=MemberFactory())
    url = reverse("members:deletion_request_decide", args=[deletion.pk])
    response = client_for(co_lead).post(url, {}, follow=True)
    assert "Choose Anonymise or Cancel" in page_text(response)
    deletion.refresh_from_db()
    assert deletion.status == DeletionRequest.Status.PENDING


def test_an_empty_post_on_a_co_lead_invitation_changes_nothing(co_lead, mentor):
    invitation = CoLeadInvitation.objects.create(
        invitee=mentor, invited_by=co_lead, handover_on=date(2030, 1, 1)
    )
    url = reverse("members:handoff_answer", args=[invitation.pk])
    response = client_for(mentor).post(url, {}, follow=True)
    assert "Choose Accept or Decline" in page_text(response)
    invitation.refresh_from_db()
    assert invitation.status == CoLeadInvitation.Status.PENDING


def test_an_empty_post_at_check_in_changes_nothing(co_lead):
    event = event_on_the_day()
    rsvp = _going(event, "Zainab")
    url = reverse("events:checkin", args=[event.pk])
    client = client_for(co_lead)
    client.post(url, {"rsvp": rsvp.pk, "present": "1"})
    client.post(url, {"rsvp": rsvp.pk})
    assert Attendance.objects.filter(member=rsvp.member).exists()


def test_an_empty_post_on_my_calendar_keeps_the_address(resident):
    feed = event_services.calendar_feed_for(resident)
    client_for(resident).post(reverse("events:my_calendar"), {})
    old = feed.token
    feed.refresh_from_db()
    assert feed.token == old
    client_for(resident).post(reverse("events:my_calendar"), {"action": "reset"})
    feed.refresh_from_db()
    assert feed.token != old


def test_an_empty_post_on_the_waitlist_moves_nobody(co_lead):
    event = EventFactory(capacity=1)
    _going(event, "Seated")
    first, second = (
        events_rsvps.rsvp_yes(event=event, member=MemberFactory()) for _ in range(2)
    )
    url = reverse("events:waitlist", args=[event.pk])
    response = client_for(co_lead).post(url, {"rsvp": first.pk}, follow=True)
    assert "Choose up or down" in page_text(response)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.waitlist_position < second.waitlist_position


def test_an_empty_post_on_tracker_sharing_changes_nothing(resident):
    from tracker import services as tracker_services
    from tracker.models import TrackerSettings

    tracker_services.share_counts_set(member=resident, share=True)
    response = client_for(resident).post(reverse("tracker:sharing"), {}, follow=True)
    assert "nothing changed" in page_text(response)
    assert TrackerSettings.objects.get(member=resident).share_counts is True
