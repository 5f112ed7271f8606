"""A confirm step before every mass or irreversible action (issue 16 item 7):
a real page (a form, no JavaScript) that says who and how many; nothing happens
until it is confirmed, and a confirm whose numbers changed meanwhile asks again
with the new numbers."""

import pytest
from django.urls import reverse

from events.models import Event
from members import imports
from members.models import DeletionRequest, ImportJob, Member, Role
from mentorship import services as mentorship_services
from mentorship.models import Match, MentorProfile, MentorshipRequest
from newsletters import services as newsletter_services
from newsletters.models import Newsletter
from notifications import selectors as notification_selectors
from tests.conftest import client_for, confirm_fingerprint, page_text
from tests.factories import EventFactory, MemberFactory

pytestmark = pytest.mark.django_db


def _is_plain_confirm_page(response) -> None:
    html = response.content.decode()
    assert response.status_code == 200
    form = html.split("<main", 1)[1]
    assert '<form method="post"' in form and 'type="submit"' in form
    assert "<script" not in form.split("</main>")[0]


def _stale(response) -> str:
    assert response.status_code == 409
    text = page_text(response)
    assert "The numbers changed since you looked" in text
    return text


def test_send_now_confirms_the_recipient_count_and_recounts(co_lead):
    MemberFactory.create_batch(2)
    newsletter = newsletter_services.newsletter_save(
        newsletter=Newsletter(subject="March news", body="Hello"), by=co_lead.user
    )
    url = reverse("newsletters:manage_detail", args=[newsletter.pk])
    client = client_for(co_lead)
    n = notification_selectors.audience_counts({})["recipients"]
    first = client.post(url, {"action": "send"})
    _is_plain_confirm_page(first)
    assert f"{n} members will receive it now" in page_text(first)
    assert "Audience: All active members." in page_text(first)
    newsletter.refresh_from_db()
    assert newsletter.status == Newsletter.Status.DRAFT
    # Someone joins before the button is pressed: the page asks again.
    MemberFactory()
    again = client.post(
        url, {"action": "send", "confirm_fingerprint": confirm_fingerprint(first)}
    )
    assert f"{n + 1} members will receive it now" in _stale(again)
    newsletter.refresh_from_db()
    assert newsletter.status == Newsletter.Status.DRAFT
    client.post(
        url, {"action": "send", "confirm_fingerprint": confirm_fingerprint(again)}
    )
    newsletter.refresh_from_db()
    assert newsletter.status != Newsletter.Status.DRAFT


def test_publishing_an_event_confirms_how_many_are_emailed(co_lead):
    event = EventFactory(status="draft")
    url = reverse("events:action", args=[event.pk])
    client = client_for(co_lead)
    first = client.post(url, {"action": "publish"})
    _is_plain_confirm_page(first)
    n = notification_selectors.audience_counts({}, "event_announcements")["recipients"]
    assert f"The announcement goes to {n} member{'s' if n != 1 else ''} now." in (
        page_text(first)
    )
    event.refresh_from_db()
    assert event.status == Event.Status.DRAFT
    MemberFactory()
    again = client.post(
        url, {"action": "publish", "confirm_fingerprint": confirm_fingerprint(first)}
    )
    _stale(again)
    client.post(
        url, {"action": "publish", "confirm_fingerprint": confirm_fingerprint(again)}
    )
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED


def test_confirming_a_round_shows_pairs_and_distinct_mentors(co_lead):
    mentor = MentorProfile.objects.create(
        member=MemberFactory(roles=[Role.RESIDENT, Role.MENTOR]),
        types=["career"],
        capacity=3,
    )
    for _ in range(2):
        MentorshipRequest.objects.create(
            mentee=MemberFactory(), types=["career"], goals="CV"
        )
    matching_round = mentorship_services.round_run(by=co_lead.user)
    client = client_for(co_lead)
    url = matching_round.get_absolute_url()
    first = client.post(url, {"confirm": "1"})
    _is_plain_confirm_page(first)
    text = page_text(first)
    assert "2 pairs will be proposed." in text
    assert "1 different mentor will be emailed" in text
    assert not Match.objects.exists()
    # A pair is dropped in another tab: the confirm asks again, with one pair.
    mentorship_services.proposal_drop(
        proposal=matching_round.proposals.first(), dropped=True
    )
    again = client.post(
        url, {"confirm": "1", "confirm_fingerprint": confirm_fingerprint(first)}
    )
    assert "1 pair will be proposed." in _stale(again)
    assert not Match.objects.exists()
    client.post(
        url, {"confirm": "1", "confirm_fingerprint": confirm_fingerprint(again)}
    )
    assert Match.objects.filter(mentor=mentor).count() == 1


def test_bulk_deactivate_names_who_and_asks_again_when_they_changed(co_lead):
    ana = MemberFactory(user__first_name="Ana", user__last_name="Ruiz")
    kofi = MemberFactory(user__first_name="Kofi", user__last_name="Mensah")
    data = {"action": "deactivate", "members": [ana.pk, kofi.pk]}
    client = client_for(co_lead)
    first = client.post(reverse("members:bulk"), data)
    _is_plain_confirm_page(first)
    text = page_text(first)
    assert "Deactivate 2 members?" in text
    assert "Ana Ruiz" in text and "Kofi Mensah" in text
    assert Member.objects.filter(status="active", pk__in=[ana.pk, kofi.pk]).count() == 2
    # Another co-lead marks Kofi as alumni meanwhile.
    Member.objects.filter(pk=kofi.pk).update(status="alumni")
    again = client.post(
        reverse("members:bulk"),
        {**data, "confirm_fingerprint": confirm_fingerprint(first)},
    )
    _stale(again)
    assert Member.objects.get(pk=ana.pk).status == "active"
    client.post(
        reverse("members:bulk"),
        {**data, "confirm_fingerprint": confirm_fingerprint(again)},
    )
    assert Member.objects.get(pk=ana.pk).status == "inactive"


def test_an_import_is_confirmed_and_a_stale_preview_is_worked_out_again(co_lead):
    known = MemberFactory(user__email="known@example.org", training_stage="pgy1")
    job = imports.import_job_create(
        uploaded_by=co_lead.user,
        filename="roster.csv",
        raw=(
            "email,first_name,last_name,visa_status,training_stage,specialty,"
            "home_country\n"
            f"known@example.org,{known.user.first_name},{known.user.last_name},"
            "J-1,PGY-2,,\nnew@example.org,New,Person,J-1,PGY-1,,\n"
        ).encode(),
    )
    imports.import_job_preview(job=job)
    url = reverse("members:import_detail", args=[job.pk])
    client = client_for(co_lead)
    first = client.post(url)
    _is_plain_confirm_page(first)
    text = page_text(first)
    assert "1 new member will be created." in text
    assert "1 member will be updated." in text
    # Meanwhile someone moves the known member to PGY-2 by hand.
    from members import services as member_services

    member_services.member_update_profile(
        member=known, by=co_lead.user, data={"training_stage": "pgy2"}
    )
    again = client.post(url, {"confirm_fingerprint": confirm_fingerprint(first)})
    assert "0 members will be updated." in _stale(again)
    assert not Member.objects.filter(user__email="new@example.org").exists()
    client.post(url, {"confirm_fingerprint": confirm_fingerprint(again)})
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert Member.objects.filter(user__email="new@example.org").exists()


def test_anonymising_names_the_member_and_waits_for_the_confirm(co_lead):
    member = MemberFactory(user__first_name="Zainab", user__last_name="Okafor")
    deletion = DeletionRequest.objects.create(member=member)
    url = reverse("members:deletion_request_decide", args=[deletion.pk])
    client = client_for(co_lead)
    first = client.post(url, {"decision": "confirm"})
    _is_plain_confirm_page(first)
    text = page_text(first)
    assert "Anonymise Zainab Okafor?" in text and "can't be undone" in text
    member.refresh_from_db()
    assert member.anonymised_at is None
    client.post(
        url, {"decision": "confirm", "confirm_fingerprint": confirm_fingerprint(first)}
    )
    member.refresh_from_db()
    assert member.anonymised_at is not None
