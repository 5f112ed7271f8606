"""Matching keeps its promises (issue 16 item 5): a mentee's board has a
different mentor for each kind, a mentor who declined is never proposed to that
mentee again, and the confirmation counts distinct mentors."""

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from members.models import Role
from mentorship import services
from mentorship.models import Match, MentorProfile, MentorshipRequest
from tests.conftest import client_for, page_text, post_confirmed
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

KINDS = ["career", "research"]


def _mentor(types, **fields) -> MentorProfile:
    return MentorProfile.objects.create(
        member=MemberFactory(roles=[Role.RESIDENT, Role.MENTOR]),
        types=types,
        capacity=fields.pop("capacity", 3),
        **fields,
    )


def test_one_mentor_never_fills_two_seats_of_one_board(co_lead):
    """The best mentor for both kinds gets one of them; the other kind goes to
    the second-best mentor, and the co-lead reads two distinct mentors."""
    mentee = MemberFactory()
    wanted = MentorshipRequest.objects.create(
        mentee=mentee, types=KINDS, goals="Research year, then a fellowship"
    )
    best = _mentor(KINDS, specialty=mentee.specialty)
    other = _mentor(["research"])
    matching_round = services.round_run(by=co_lead.user)
    proposals = {p.kind: p.mentor for p in matching_round.proposals.all()}
    assert proposals == {"career": best, "research": other}
    response = post_confirmed(
        client_for(co_lead),
        matching_round.get_absolute_url(),
        {"confirm": "1"},
        follow=True,
    )
    assert "Confirmed: 2 pairs, 2 different mentors asked." in page_text(response)
    assert set(
        Match.objects.filter(request=wanted).values_list("mentor", flat=True)
    ) == {best.pk, other.pk}


def test_the_next_round_does_not_fill_the_other_seat_with_the_same_mentor(co_lead):
    """Paired for career in round one, the same mentor is not proposed for
    research in round two (nor can the mentee ask them directly for it)."""
    mentee = MemberFactory()
    wanted = MentorshipRequest.objects.create(
        mentee=mentee, types=["career"], goals="Fellowship"
    )
    only = _mentor(KINDS)
    services.round_confirm(
        matching_round=services.round_run(by=co_lead.user), by=co_lead.user
    )
    wanted.types = KINDS
    wanted.save()
    assert not services.round_run(by=co_lead.user).proposals.exists()
    response = client_for(mentee).post(
        reverse("mentorship:ask", args=[only.pk]), {"kind": "research"}, follow=True
    )
    assert "is already a mentor here for Career" in page_text(response)
    assert Match.objects.count() == 1


def test_a_mentor_who_declined_is_never_proposed_to_that_mentee_again(co_lead):
    mentee = MemberFactory()
    MentorshipRequest.objects.create(mentee=mentee, types=["career"], goals="CV")
    declining = _mentor(["career"], specialty=mentee.specialty)
    services.round_confirm(
        matching_round=services.round_run(by=co_lead.user), by=co_lead.user
    )
    services.match_decline(match=Match.objects.get(mentor=declining))
    # Still the best fit, still free, and nobody else: not proposed again.
    assert not services.round_run(by=co_lead.user).proposals.exists()
    response = client_for(mentee).post(
        reverse("mentorship:ask", args=[declining.pk]), {"kind": "career"}, follow=True
    )
    assert "said no to an earlier request" in page_text(response)
    # Another mentor who joins is proposed.
    newcomer = _mentor(["career"])
    assert [p.mentor for p in services.round_run(by=co_lead.user).proposals.all()] == [
        newcomer
    ]


def test_a_swap_onto_a_mentor_already_on_the_board_is_refused(co_lead):
    mentee = MemberFactory()
    MentorshipRequest.objects.create(mentee=mentee, types=KINDS, goals="Both")
    best = _mentor(KINDS, specialty=mentee.specialty)
    _mentor(["research"])
    matching_round = services.round_run(by=co_lead.user)
    research = matching_round.proposals.get(kind="research")
    response = client_for(co_lead).post(
        reverse("mentorship:swap", args=[research.pk]), {"mentor": best.pk}, follow=True
    )
    assert "each kind needs a different mentor" in page_text(response)
    research.refresh_from_db()
    assert research.mentor != best


def test_confirming_counts_one_mentor_asked_for_two_mentees(co_lead):
    mentor = _mentor(["career"])
    for _ in range(2):
        MentorshipRequest.objects.create(
            mentee=MemberFactory(), types=["career"], goals="CV"
        )
    done = services.round_confirm(
        matching_round=services.round_run(by=co_lead.user), by=co_lead.user
    )
    assert (done.pairs, done.mentors) == (2, 1)
    assert Match.objects.filter(mentor=mentor).count() == 2


history = st.lists(
    st.tuples(
        st.integers(0, 2),  # mentor
        st.integers(0, 2),  # mentee
        st.sampled_from(KINDS),
        st.sampled_from(["proposed", "active", "declined", "withdrawn", "closed"]),
    ),
    max_size=6,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(history=history)
def test_whatever_happened_before_a_round_never_breaks_a_promise(co_lead, history):
    """For any history of matches, a round proposes no mentor to a mentee who
    they declined or are already paired with, and no mentor twice to one
    mentee."""
    with transaction.atomic():
        mentors = [_mentor(KINDS, capacity=6) for _ in range(3)]
        requests = [
            MentorshipRequest.objects.create(
                mentee=MemberFactory(), types=KINDS, goals="Anything"
            )
            for _ in range(3)
        ]
        for mentor_index, mentee_index, kind, state in history:
            request, mentor = requests[mentee_index], mentors[mentor_index]
            open_states = ("proposed", "active")
            if (
                state in open_states
                and Match.objects.filter(
                    request=request, kind=kind, state__in=open_states
                ).exists()
            ):
                continue
            Match.objects.create(request=request, mentor=mentor, kind=kind, state=state)
        matching_round = services.round_run(by=co_lead.user)
        before = set(
            Match.objects.filter(
                state__in=("proposed", "info", "active", "declined")
            ).values_list("mentor", "request")
        )
        proposed = list(matching_round.proposals.values_list("mentor", "request"))
        assert not set(proposed) & before
        assert len(proposed) == len(set(proposed))
        transaction.set_rollback(True)
