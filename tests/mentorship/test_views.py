"""Mentoring as mentees, mentors and co-leads use it."""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from members.models import Role
from mentorship import services
from mentorship.models import (
    Match,
    MatchingRound,
    MentorProfile,
    MentorshipRequest,
)
from notifications.models import OutboundEmail
from tests.conftest import client_for, page_text, post_confirmed
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def profile(mentor):
    return MentorProfile.objects.create(
        member=mentor, types=["career", "img_visa"], visa_paths=["j1"], capacity=2
    )


@pytest.fixture
def wanted(resident):
    return MentorshipRequest.objects.create(
        mentee=resident, types=["career"], goals="Fellowship in cardiology"
    )


def _emails(to, key):
    return OutboundEmail.objects.filter(to=to, idempotency_key__startswith=key)


def test_a_member_writes_a_request_and_bad_input_keeps_the_text(resident):
    client = client_for(resident)
    response = client.post(reverse("mentorship:request"), {"goals": "Step 3 plan"})
    assert response.status_code == 200
    assert "Step 3 plan" in page_text(response)
    assert response.context["form"].errors["types"]
    client.post(
        reverse("mentorship:request"),
        {"types": ["career", "near_peer"], "goals": "Step 3 plan", "urgency": "high"},
    )
    assert MentorshipRequest.objects.get(mentee=resident).types == [
        "career",
        "near_peer",
    ]


def test_capacity_cannot_drop_below_the_active_mentees(profile, wanted, mentor):
    match = services.match_ask_directly(request=wanted, mentor=profile, kind="career")
    services.match_accept(match=match)
    other = MentorshipRequest.objects.create(
        mentee=MemberFactory(), types=["career"], goals="x"
    )
    services.match_accept(
        match=services.match_ask_directly(request=other, mentor=profile, kind="career")
    )
    response = client_for(mentor).post(
        reverse("mentorship:profile"),
        {"types": ["career"], "capacity": "1", "meeting": "either"},
    )
    assert "You have 2 active mentees" in page_text(response)
    profile.refresh_from_db()
    assert profile.capacity == 2


def test_a_round_proposes_co_leads_review_and_confirm_and_the_mentor_accepts_by_link(
    co_lead, profile, wanted, mentor, client, django_capture_on_commit_callbacks
):
    lead = client_for(co_lead)
    response = lead.post(reverse("mentorship:rounds"))
    matching_round = MatchingRound.objects.get()
    assert response.url == matching_round.get_absolute_url()
    text = page_text(lead.get(response.url))
    assert "went through J-1" not in text or "offers this kind of mentoring" in text
    with django_capture_on_commit_callbacks(execute=True):
        post_confirmed(lead, matching_round.get_absolute_url(), {"confirm": "1"})
    match = Match.objects.get()
    assert match.state == Match.State.PROPOSED and match.round == matching_round
    email = _emails(mentor.user.email, "mentorship-proposed").get()
    assert "Would you mentor" in email.subject
    # The link's token is signed with the second it was made: read it from
    # the email (recomputing it here failed when a second went by).
    found = re.search(
        rf"/mentorship/answer/{match.pk}:accept:[^/\s]+/", email.body_text
    )
    assert found, email.body_text
    accept = found.group(0)
    assert services.match_from_token(accept.split("/")[-2]) == (match, "accept")
    assert "Accept this mentee?" in page_text(client.get(accept))  # GET changes nothing
    assert Match.objects.get().state == Match.State.PROPOSED
    response = client.post(accept)
    assert "you're matched" in page_text(response)
    assert Match.objects.get().state == Match.State.ACTIVE
    again = client.post(accept)
    assert again.status_code == 409
    assert "already accepted" in page_text(again)


def test_a_tampered_answer_link_is_refused_and_changes_nothing(client, profile, wanted):
    match = services.match_ask_directly(request=wanted, mentor=profile, kind="career")
    token = services.answer_token(match, "accept")
    response = client.post(reverse("mentorship:answer", args=[token[:-2] + "xx"]))
    assert response.status_code == 400
    assert "This link doesn't work" in page_text(response)
    assert Match.objects.get().state == Match.State.PROPOSED


def test_accepting_after_the_mentee_withdrew_is_refused(client, profile, wanted):
    match = services.match_ask_directly(request=wanted, mentor=profile, kind="career")
    services.match_withdraw(match=match)
    token = services.answer_token(match, "accept")
    response = client.post(reverse("mentorship:answer", args=[token]))
    assert response.status_code == 409
    assert Match.objects.get().state == Match.State.WITHDRAWN


def test_asking_yourself_or_a_paused_mentor_is_refused(resident, profile, wanted):
    mine = MentorProfile.objects.create(member=resident, types=["career"])
    client = client_for(resident)
    response = client.post(
        reverse("mentorship:ask", args=[mine.pk]), {"kind": "career"}, follow=True
    )
    assert "You can't be your own mentor." in page_text(response)
    profile.accepting = False
    profile.save()
    response = client.post(
        reverse("mentorship:ask", args=[profile.pk]), {"kind": "career"}, follow=True
    )
    assert "not taking new mentees" in page_text(response)
    assert not Match.objects.exists()


def test_a_decline_returns_the_request_to_the_pool(co_lead, profile, wanted):
    second = MentorProfile.objects.create(
        member=MemberFactory(roles=[Role.MENTOR]), types=["career"]
    )
    first_round = services.round_run(by=co_lead.user)
    services.round_confirm(matching_round=first_round, by=co_lead.user)
    declined = Match.objects.get()
    services.match_decline(match=declined)
    services.pair_bar(
        mentor=declined.mentor.member, mentee=wanted.mentee, reason="", by=co_lead.user
    )
    next_round = services.round_run(by=co_lead.user)
    proposal = next_round.proposals.get()
    assert proposal.request == wanted
    assert proposal.mentor == (second if declined.mentor == profile else profile)


def test_the_mentor_asks_a_question_and_the_mentee_answers(
    mentor, resident, profile, wanted
):
    match = services.match_ask_directly(request=wanted, mentor=profile, kind="career")
    url = reverse("mentorship:match_action", args=[match.pk])
    response = client_for(mentor).post(url, {"action": "ask", "question": ""})
    assert response.status_code == 400
    client_for(mentor).post(url, {"action": "ask", "question": "Which fellowship?"})
    assert Match.objects.get().state == Match.State.INFO
    client_for(resident).post(url, {"action": "answer", "answer": "Cardiology"})
    match.refresh_from_db()
    assert match.state == Match.State.PROPOSED and match.answer == "Cardiology"


def test_mentees_log_check_ins_and_either_side_closes_with_feedback(
    mentor, resident, profile, wanted
):
    match = services.match_accept(
        match=services.match_ask_directly(request=wanted, mentor=profile, kind="career")
    )
    url = reverse("mentorship:match_action", args=[match.pk])
    client_for(mentor).post(
        url, {"action": "checkin", "met_on": "2026-01-01", "notes": "x"}, follow=True
    )
    assert not match.checkins.exists()  # only the mentee logs meetings
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = client_for(resident).post(
        url, {"action": "checkin", "met_on": tomorrow, "notes": "Talked CVs"}
    )
    assert response.status_code == 400
    assert "Talked CVs" in page_text(response)
    client_for(resident).post(
        url, {"action": "checkin", "met_on": "2026-11-01", "notes": "Talked CVs"}
    )
    assert match.checkins.count() == 1
    client_for(mentor).post(url, {"action": "close", "feedback": "Great mentee"})
    client_for(resident).post(url, {"action": "close", "feedback": "Very helpful"})
    match.refresh_from_db()
    assert match.state == Match.State.CLOSED
    assert (match.mentor_feedback, match.mentee_feedback) == (
        "Great mentee",
        "Very helpful",
    )


def test_mentors_see_only_their_own_and_never_the_mentees_visa_status(
    mentor, resident, profile, wanted, gme_staff
):
    resident.visa_status = "j1"
    resident.save()
    match = services.match_ask_directly(request=wanted, mentor=profile, kind="career")
    text = page_text(client_for(mentor).get(match.get_absolute_url()))
    assert "went through" not in text
    assert "visa path" not in text
    assert "J-1" not in text
    other_mentor = MemberFactory(roles=[Role.MENTOR])
    assert client_for(other_mentor).get(match.get_absolute_url()).status_code == 404
    assert client_for(gme_staff).get(match.get_absolute_url()).status_code == 404
    wanted.share_visa = True
    wanted.save()
    assert "J-1" in page_text(client_for(mentor).get(match.get_absolute_url()))


def test_an_unanswered_proposal_is_reminded_once_after_a_week(profile, wanted, mentor):
    match = services.match_ask_directly(request=wanted, mentor=profile, kind="career")
    later = timezone.now() + timedelta(days=8)
    assert services.reminders_send(now=timezone.now()) == 0
    assert services.reminders_send(now=later) == 1
    assert services.reminders_send(now=later) == 0
    assert _emails(mentor.user.email, "mentorship-reminder").count() == 1
    assert match.pk


def test_barred_pairs_are_never_proposed_or_asked(co_lead, profile, wanted, resident):
    client_for(co_lead).post(
        reverse("mentorship:bars"),
        {
            "mentor_email": profile.member.user.email,
            "mentee_email": resident.user.email,
            "reason": "Supervisor",
        },
    )
    assert services.round_run(by=co_lead.user).proposals.count() == 0
    with pytest.raises(Exception, match="keep this pair apart"):
        services.match_ask_directly(request=wanted, mentor=profile, kind="career")


def test_the_overview_and_its_csv(co_lead, profile, wanted):
    services.match_accept(
        match=services.match_ask_directly(request=wanted, mentor=profile, kind="career")
    )
    client = client_for(co_lead)
    text = page_text(client.get(reverse("mentorship:overview")))
    assert "Open requests" in text and "Median days" in text
    csv_text = client.get(reverse("mentorship:overview_csv")).content.decode()
    assert profile.member.user.email in csv_text and ",1,0" in csv_text


def test_seed_demo_adds_60_mentors_and_120_requests(settings):
    settings.DEBUG = True
    call_command("seed_demo", members=300)
    assert MentorProfile.objects.count() == 60
    assert MentorshipRequest.objects.filter(status="open").count() == 120


def test_a_capacity_out_of_range_is_a_field_error(mentor):
    response = client_for(mentor).post(
        reverse("mentorship:profile"),
        {"types": ["career"], "capacity": "0", "meeting": "either", "bio": "Hello"},
    )
    assert response.context["form"].errors["capacity"]
    assert "Hello" in page_text(response)
    assert not MentorProfile.objects.exists()
