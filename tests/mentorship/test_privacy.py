"""Visa status stays in its circle through mentoring: mentor cards, match pages
and the emails each side gets are built from what that side may see."""

import re

import pytest
from django.urls import reverse

from members.models import Member, Role
from mentorship import services
from mentorship.models import MentorProfile, MentorshipRequest
from notifications.models import OutboundEmail
from tests.conftest import client_for, page_text
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

VISA_NAMES = ["J-1", "J-2", "H-1B", "H-4", "O-1", "E-3", "F-1 OPT"]


def _mentor(paths, *, show=False, **member):
    member = MemberFactory(
        roles=[Role.RESIDENT, Role.MENTOR],
        training_stage=Member.TrainingStage.FELLOW,
        visa_status="permanent_resident",
        **member,
    )
    return MentorProfile.objects.create(
        member=member,
        types=["career", "img_visa"],
        visa_paths=paths,
        show_visa_paths=show,
    )


def _cards_section(response) -> str:
    text = page_text(response)
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)
    return text[text.index("<h1") : text.index("</main>")]


def test_mentor_cards_read_the_same_whatever_the_residents_own_visa_status(resident):
    """Changing one's own status must not reveal which path a mentor walked."""
    _mentor(["j1"])
    _mentor(["h1b"])
    _mentor(["o1", "h1b"])
    MentorshipRequest.objects.create(
        mentee=resident,
        types=["img_visa", "career"],
        goals="Waiver jobs",
        priorities=["visa_experience"],
    )
    client = client_for(resident)
    pages = set()
    for status in [s for s, _ in Member.VisaStatus.choices]:
        Member.objects.filter(pk=resident.pk).update(visa_status=status)
        response = client.get(reverse("mentorship:mentors"), {"kind": "img_visa"})
        assert response.status_code == 200
        section = _cards_section(response)
        assert "Has IMG and visa experience" in section
        for name in VISA_NAMES:
            assert not re.search(rf"\b{re.escape(name)}\b", section), (status, name)
        pages.add(section)
    assert len(pages) == 1


def test_a_mentor_who_chooses_to_show_their_path_is_shown_with_it(resident):
    _mentor(["j1"], show=True)
    MentorshipRequest.objects.create(mentee=resident, types=["img_visa"], goals="x")
    section = _cards_section(
        client_for(resident).get(reverse("mentorship:mentors"), {"kind": "img_visa"})
    )
    assert "Has been through: J-1" in section
    assert "went through J-1 +20" in section


def _proposal_email(match):
    return OutboundEmail.objects.get(
        idempotency_key__startswith="mentorship-proposed",
        to=match.mentor.member.user.email,
    )


@pytest.mark.parametrize("kind", ["img_visa", "career"])
def test_a_one_path_mentor_learns_nothing_of_a_mentee_who_did_not_share(
    kind, django_capture_on_commit_callbacks
):
    """An H-1B-only mentor must not read 'went through' (H-1B) on a match."""
    profile = _mentor(["h1b"])
    mentee = MemberFactory(visa_status="h1b")
    request = MentorshipRequest.objects.create(
        mentee=mentee, types=[kind], goals="Cap-exempt jobs"
    )
    with django_capture_on_commit_callbacks(execute=True):
        match = services.match_ask_directly(request=request, mentor=profile, kind=kind)
    assert "went through H-1B +20" in match.reasons  # matching used it
    body = _proposal_email(match).body_text
    page = page_text(client_for(profile.member).get(match.get_absolute_url()))
    for text in (body, page):
        assert "went through" not in text
        assert "visa path" not in text
        assert "H-1B" not in text
    # The mentee, on their own match page, sees their status (it is theirs).
    assert "H-1B" in page_text(client_for(mentee).get(match.get_absolute_url()))


def test_a_mentee_who_shares_lets_the_mentor_read_the_path(
    django_capture_on_commit_callbacks,
):
    profile = _mentor(["h1b"])
    mentee = MemberFactory(visa_status="h1b")
    request = MentorshipRequest.objects.create(
        mentee=mentee, types=["img_visa"], goals="x", share_visa=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        match = services.match_ask_directly(
            request=request, mentor=profile, kind="img_visa"
        )
    page = page_text(client_for(profile.member).get(match.get_absolute_url()))
    assert "went through H-1B +20" in page
    assert "went through H-1B +20" in _proposal_email(match).body_text


def test_the_points_a_mentor_reads_add_up_to_the_reasons_they_read(
    django_capture_on_commit_callbacks,
):
    """A hidden +20 would show in the total: the total is of what they read."""
    profile = _mentor(["j1"])
    mentee = MemberFactory(visa_status="j1")
    request = MentorshipRequest.objects.create(
        mentee=mentee, types=["career"], goals="x"
    )
    match = services.match_ask_directly(request=request, mentor=profile, kind="career")
    response = client_for(profile.member).get(match.get_absolute_url())
    fit = response.context["fit"]
    assert fit.points == sum(int(r.rsplit("+", 1)[1]) for r in fit.reasons)
    assert fit.points < match.score
    assert f"({fit.points} points)" in page_text(response)
