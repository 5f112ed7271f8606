"""How well a mentor fits one type of mentoring a mentee asked for: a pure
function of plain values (no database), returning the score and its reasons in
words. Every weight is here, in one place."""

from dataclasses import dataclass, field

WEIGHTS = {
    "offers_type": 10,  # the mentor offers this kind of mentoring at all
    "same_specialty": 30,
    "went_through_visa": 20,
    "same_country": 10,
    "shared_language": 10,
    "near_peer_ahead": 10,  # a near-peer 1–2 PGY years ahead
    "priority_bonus": 10,  # added to a factor the mentee said matters most
}
# Mentoring types whose mentor must have walked the mentee's visa path to count.
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
    not ahead). `visa_hidden` reasons never name the mentee's status."""
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
    elif kind in VISA_TYPES:
        return None  # a visa mentor who has not walked this path
    if request.home_country and mentor.home_country == request.home_country:
        add("same_country", "same home country", "same_country_or_language")
    shared = sorted((mentor.languages & request.languages) - {"en"})
    if shared:
        add(
            "shared_language", f"speaks {', '.join(shared)}", "same_country_or_language"
        )
    if kind == "near_peer":
        add(
            "near_peer_ahead",
            f"{ahead} PGY year{'s' if ahead > 1 else ''} ahead, near-peer",
        )
    return Score(points, tuple(reasons))


def for_mentor_eyes(reasons: tuple[str, ...], *, mentee_shares_visa: bool) -> list[str]:
    """Reasons as a mentor may read them: the mentee's visa status becomes "went
    through a similar visa path" unless the mentee chose to share it."""
    if mentee_shares_visa:
        return list(reasons)
    return [
        "went through a similar visa path" + r[r.index(" +") :]
        if r.startswith("went through ")
        else r
        for r in reasons
    ]
