"""The scoring function and the optimal matching round, as properties."""

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from mentorship.matching import optimal_assignment, slots_of
from mentorship.scoring import (
    WEIGHTS,
    MentorFacts,
    RequestFacts,
    score,
    without_visa,
)

TYPES = ["career", "research", "img_visa", "near_peer"]


def test_a_score_explains_itself_in_words():
    mentor = MentorFacts(
        id=1,
        member_id=10,
        types=frozenset({"career", "near_peer"}),
        specialty_id=3,
        home_country="IN",
        languages=frozenset({"en", "hi"}),
        visa_paths=frozenset({"j1"}),
        pgy=3,
    )
    request = RequestFacts(
        id=1,
        mentee_id=20,
        types=frozenset({"career", "near_peer"}),
        specialty_id=3,
        home_country="IN",
        languages=frozenset({"en", "hi"}),
        visa_status="j1",
        pgy=1,
        priorities=frozenset({"same_specialty"}),
    )
    career = score(mentor, request, "career")
    assert career.points == 10 + 40 + 20 + 10 + 10
    assert "same specialty (matters most to the mentee) +40" in career.reasons
    assert "went through J-1 +20" in career.reasons
    near = score(mentor, request, "near_peer")
    assert "2 PGY years ahead, near-peer +10" in near.reasons


def test_pairs_that_cannot_be_are_refused():
    mentor = MentorFacts(id=1, member_id=10, types=frozenset({"career", "img_visa"}))
    assert score(mentor, RequestFacts(1, 10, frozenset({"career"})), "career") is None
    assert (
        score(mentor, RequestFacts(1, 20, frozenset({"research"})), "research") is None
    )
    # A visa mentor must have walked some visa path.
    visa = RequestFacts(1, 20, frozenset({"img_visa"}), visa_status="h1b")
    assert score(mentor, visa, "img_visa") is None
    # A near-peer must be 1–2 years ahead.
    peer = MentorFacts(2, 11, frozenset({"near_peer"}), pgy=1)
    assert (
        score(peer, RequestFacts(1, 20, frozenset({"near_peer"}), pgy=1), "near_peer")
        is None
    )


def test_a_visa_mentor_on_another_path_still_fits_without_naming_it():
    """Matching on the exact path alone would tell a one-path mentor the
    mentee's status; another path counts as visa experience."""
    mentor = MentorFacts(1, 10, frozenset({"img_visa"}), visa_paths=frozenset({"j1"}))
    h1b = RequestFacts(1, 20, frozenset({"img_visa"}), visa_status="h1b")
    j1 = RequestFacts(2, 21, frozenset({"img_visa"}), visa_status="j1")
    assert score(mentor, h1b, "img_visa").reasons == (
        "offers this kind of mentoring +10",
        "has IMG and visa experience +10",
    )
    assert "went through J-1 +20" in score(mentor, j1, "img_visa").reasons


def test_hidden_facts_give_the_same_reasons_whatever_they_hide():
    """A mentee who reads a mentor with hidden paths (facts without them) gets
    the same score and reasons for every visa status of their own."""
    hidden = MentorFacts(
        1, 10, frozenset({"img_visa", "career"}), specialty_id=3, visa_experience=True
    )
    seen = {
        (
            kind,
            score(
                hidden, RequestFacts(1, 20, frozenset({kind}), 3, visa_status=v), kind
            ),
        )
        for v in ("j1", "h1b", "o1", "permanent_resident", "")
        for kind in ("img_visa", "career")
    }
    assert len(seen) == 2
    for _kind, fit in seen:
        assert not any("went through" in r for r in fit.reasons)


def test_without_visa_leaves_the_other_reasons_and_their_points():
    from mentorship.scoring import Score

    fit = Score(60, ("offers +10", "same specialty +30", "went through J-1 +20"))
    assert without_visa(fit) == Score(40, ("offers +10", "same specialty +30"))


def test_weights_live_in_one_place():
    assert WEIGHTS["same_specialty"] == 30 and WEIGHTS["went_through_visa"] == 20


mentors_strategy = st.lists(
    st.builds(
        lambda i, types, spec, country, visa, pgy, cap: MentorFacts(
            id=i + 1,
            member_id=100 + i,
            types=frozenset(types),
            specialty_id=spec,
            home_country=country,
            visa_paths=frozenset(visa),
            pgy=pgy,
            capacity=cap,
        ),
        st.integers(0, 0),
        st.sets(st.sampled_from(TYPES), min_size=1),
        st.sampled_from([1, 2, None]),
        st.sampled_from(["IN", "NG"]),
        st.sets(st.sampled_from(["j1", "h1b"])),
        st.sampled_from([1, 2, 3, None]),
        st.integers(0, 2),
    ),
    min_size=1,
    max_size=3,
)
requests_strategy = st.lists(
    st.builds(
        lambda types, spec, country, visa, pgy: (types, spec, country, visa, pgy),
        st.sets(st.sampled_from(TYPES), min_size=1, max_size=2),
        st.sampled_from([1, 2, None]),
        st.sampled_from(["IN", "NG"]),
        st.sampled_from(["j1", "h1b"]),
        st.sampled_from([1, 2, None]),
    ),
    min_size=1,
    max_size=3,
)


def _build(mentors, requests):
    mentors = [
        MentorFacts(**{**m.__dict__, "id": i + 1, "member_id": 100 + i})
        for i, m in enumerate(mentors)
    ]
    requests = [
        RequestFacts(
            id=i + 1,
            mentee_id=200 + i,
            types=frozenset(types),
            specialty_id=spec,
            home_country=country,
            visa_status=visa,
            pgy=pgy,
        )
        for i, (types, spec, country, visa, pgy) in enumerate(requests)
    ]
    return mentors, requests


def _brute_force(mentors, requests, barred) -> int:
    """The best total by trying every way to fill (or leave) every slot."""
    slots = slots_of(requests, set())
    options = []
    for request, kind in slots:
        choices = [None]
        for mentor in mentors:
            fit = score(mentor, request, kind)
            if fit and (mentor.member_id, request.mentee_id) not in barred:
                choices.append((mentor, fit.points))
        options.append(choices)
    best = 0
    for combination in itertools.product(*options):
        used: dict[int, int] = {}
        boards = set()
        distinct = True
        for (request, _kind), choice in zip(slots, combination, strict=True):
            if choice:
                used[choice[0].id] = used.get(choice[0].id, 0) + 1
                board = (request.id, choice[0].id)
                distinct = distinct and board not in boards
                boards.add(board)
        if distinct and all(used.get(m.id, 0) <= m.capacity for m in mentors):
            best = max(best, sum(c[1] for c in combination if c))
    return best


@settings(max_examples=150, deadline=None)
@given(mentors=mentors_strategy, requests=requests_strategy, bar=st.booleans())
def test_the_round_is_optimal_within_capacity_and_one_mentor_per_type(
    mentors, requests, bar
):
    mentors, requests = _build(mentors, requests)
    barred = (
        frozenset({(mentors[0].member_id, requests[0].mentee_id)})
        if bar
        else frozenset()
    )
    result = optimal_assignment(requests, mentors, barred=barred)
    # Capacities never exceeded.
    for mentor in mentors:
        assert sum(a.mentor_id == mentor.id for a in result) <= mentor.capacity
    # One mentor per type per mentee.
    slots = [(a.request_id, a.kind) for a in result]
    assert len(slots) == len(set(slots))
    # A different mentor for each type of one mentee (their board).
    boards = [(a.request_id, a.mentor_id) for a in result]
    assert len(boards) == len(set(boards))
    # Barred pairs never proposed.
    by_id = {m.id: m for m in mentors}
    by_request = {r.id: r for r in requests}
    for a in result:
        assert (
            by_id[a.mentor_id].member_id,
            by_request[a.request_id].mentee_id,
        ) not in barred
    # The total equals a brute force over every assignment.
    assert sum(a.score.points for a in result) == _brute_force(
        mentors, requests, barred
    )
    # Same input, same output.
    assert optimal_assignment(requests, mentors, barred=barred) == result
