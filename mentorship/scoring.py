"""How well a mentor fits one type of mentoring a mentee asked for: a pure
function of plain values (no database), returning the score and its reasons in
words. Every weight is here, in one place."""

from dataclasses import dataclass, field

from members.languages import LANGUAGE_NAMES

WEIGHTS = {
    "offers_type": 10,  # the mentor offers this kind of mentoring at all
    "same_specialty": 30,
    "went_through_visa": 20,
    # Some visa path, not the mentee's, or one the viewer may not know: enough for
    # IMG and visa mentoring, and all a mentee reads of a mentor who keeps it private.
    "visa_experience": 10,
    "same_country": 10,
    "shared_language": 10,
    "near_peer_ahead": 10,  # a near-peer 1–2 PGY years ahead
    "priority_bonus": 10,  # added to a factor the mentee said matters most
}
# Mentoring types whose mentor must have walked some visa path to count. Not the
# mentee's own path: a match on it would tell a mentor with one path the mentee's.
VISA_TYPES = {"img_visa"}


@dataclass(frozen=True)
class MentorFacts:
    id: int
    member_id: int
    types: frozenset[str]
    specialty_id: int | None = None
    home_country: str = ""
    languages: frozenset[str] = field(default_factory=frozenset)
    visa_paths: frozenset[str] = field(default_factory=frozenset)
    # Has walked some visa path; True with empty `visa_paths` where which one is
    # hidden from the viewer.
    visa_experience: bool = False
    pgy: int | None = None  # 1–8 for residents and fellows; None for faculty
    capacity: int = 1  # seats still free


@dataclass(frozen=True)
class RequestFacts:
    id: int
    mentee_id: int
    types: frozenset[str]
    specialty_id: int | None = None
    home_country: str = ""
    languages: frozenset[str] = field(default_factory=frozenset)
    visa_status: str = ""
    pgy: int | None = None
    priorities: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Score:
    points: int
    reasons: tuple[str, ...]

    def __str__(self) -> str:
        return "; ".join(self.reasons)


VISA_NAMES = {
    "j1": "J-1",
    "j2": "J-2",
    "h1b": "H-1B",
    "h4": "H-4",
    "o1": "O-1",
    "e3": "E-3",
    "f1_opt": "F-1 OPT",
}


def score(mentor: MentorFacts, request: RequestFacts, kind: str) -> Score | None:
    """The fit of `mentor` for the `kind` of mentoring in `request`, or None when
    they can't be paired for it (not offered, the same person, a near-peer who is
    not ahead). Reasons use only what the facts hold: facts built for one side
    (`selectors.mentor_facts(..., for_mentee=True)` and `request_facts(...,
    for_mentor=True)`) give reasons that side may read."""
    if kind not in mentor.types or kind not in request.types:
        return None
    if mentor.member_id == request.mentee_id:
        return None
    ahead = (
        mentor.pgy - request.pgy
        if mentor.pgy is not None and request.pgy is not None
        else None
    )
    if kind == "near_peer" and not (ahead is not None and 1 <= ahead <= 2):
        return None
    points, reasons = (
        WEIGHTS["offers_type"],
        [f"offers this kind of mentoring +{WEIGHTS['offers_type']}"],
    )

    def add(factor: str, text: str, priority: str | None = None) -> None:
        nonlocal points
        weight = WEIGHTS[factor]
        if priority and priority in request.priorities:
            weight += WEIGHTS["priority_bonus"]
            text += " (matters most to the mentee)"
        points += weight
        reasons.append(f"{text} +{weight}")

    if request.specialty_id and mentor.specialty_id == request.specialty_id:
        add("same_specialty", "same specialty", "same_specialty")
    if request.visa_status in VISA_NAMES and request.visa_status in mentor.visa_paths:
        add(
            "went_through_visa",
            f"went through {VISA_NAMES[request.visa_status]}",
            "visa_experience",
        )
    elif kind in VISA_TYPES and (mentor.visa_experience or mentor.visa_paths):
        add("visa_experience", "has IMG and visa experience", "visa_experience")
    elif kind in VISA_TYPES:
        return None  # a visa mentor who has walked no visa path
    if request.home_country and mentor.home_country == request.home_country:
        add("same_country", "same home country", "same_country_or_language")
    shared = sorted(
        LANGUAGE_NAMES.get(code, code)
        for code in (mentor.languages & request.languages) - {"en"}
    )
    if shared:
        add(
            "shared_language",
            f"speaks {' and '.join(shared)}",
            "same_country_or_language",
        )
    if kind == "near_peer":
        add(
            "near_peer_ahead",
            f"{ahead} PGY year{'s' if ahead > 1 else ''} ahead, near-peer",
        )
    return Score(points, tuple(reasons))


def without_visa(fit: Score) -> Score:
    """`fit` with every visa reason (and its points) left out: what a side that may
    not know the visa facts reads when the fit can't be worked out again."""
    kept = tuple(
        r
        for r in fit.reasons
        if not r.startswith(("went through ", "has IMG and visa experience"))
    )
    return Score(sum(_points(r) for r in kept), kept)


def _points(reason: str) -> int:
    tail = reason.rsplit(" +", 1)
    return int(tail[1]) if len(tail) == 2 and tail[1].isdigit() else 0
