"""Reads of mentoring, scoped by who looks: mentees see their own requests and
matches, mentors the proposals made to them and their mentees, co-leads all."""

import statistics
from collections.abc import Collection

from django.conf import settings
from django.db.models import Count, Q, QuerySet

from contacts.models import Contact
from members.models import Member, Role, active_q
from mentorship.models import (
    BarredPair,
    Match,
    MatchingRound,
    MentorProfile,
    MentorshipRequest,
    MentorType,
)
from mentorship.scoring import MentorFacts, RequestFacts, Score, score, without_visa
from notifications.models import OutboundEmail


def pgy_of(member: Member) -> int | None:
    """PGY-1 → 1 … PGY-7 → 7, fellows 8; faculty and others None."""
    stage = member.training_stage or ""
    if stage.startswith("pgy") and stage[3:].isdigit():
        return int(stage[3:])
    return 8 if stage == "fellow" else None


def mentor_facts(
    profile: MentorProfile, free: int | None = None, *, for_mentee: bool = False
) -> MentorFacts:
    """The mentor as matching sees them; `for_mentee`: as a mentee may, without
    the visa paths the mentor keeps private."""
    member = profile.member
    paths = frozenset(profile.visa_paths)
    if free is None:
        free = (
            profile.capacity
            - profile.matches.filter(state__in=Match.OPEN_STATES).count()
        )
    return MentorFacts(
        id=profile.pk,
        member_id=member.pk,
        types=frozenset(profile.types),
        specialty_id=profile.specialty_id,
        home_country=member.home_country.code or "",
        languages=frozenset(member.languages),
        visa_paths=paths if profile.show_visa_paths or not for_mentee else frozenset(),
        visa_experience=bool(paths),
        pgy=pgy_of(member),
        capacity=max(free, 0),
    )


def request_facts(
    request: MentorshipRequest, *, for_mentor: bool = False
) -> RequestFacts:
    """The request as matching sees it; `for_mentor`: as its mentor may, without
    the mentee's visa status unless they shared it for this request."""
    member = request.mentee
    return RequestFacts(
        id=request.pk,
        mentee_id=member.pk,
        types=frozenset(request.types),
        specialty_id=request.specialty_id,
        home_country=member.home_country.code or "",
        languages=frozenset(member.languages),
        visa_status=member.visa_status if request.share_visa or not for_mentor else "",
        pgy=pgy_of(member),
        priorities=frozenset(request.priorities),
    )


def open_requests() -> QuerySet[MentorshipRequest]:
    return MentorshipRequest.objects.filter(
        active_q("mentee__"), status="open"
    ).select_related("mentee")


def available_mentors() -> list[MentorFacts]:
    """Accepting mentors with their free seats (one query)."""
    profiles = (
        MentorProfile.objects.filter(active_q("member__"), accepting=True)
        .select_related("member")
        .annotate(open=Count("matches", filter=Q(matches__state__in=Match.OPEN_STATES)))
    )
    return [p for p in profiles if p.capacity > p.open]


def barred_pairs() -> frozenset[tuple[int, int]]:
    """(mentor member, mentee member) pairs a round must not propose: kept apart
    by the co-leads, declined by the mentor once (never asked again), or
    already paired for another kind (a board has a different mentor for each)."""
    paired = Match.objects.filter(
        state__in=(*Match.OPEN_STATES, Match.State.DECLINED)
    ).values_list("mentor__member_id", "request__mentee_id")
    return frozenset(BarredPair.objects.values_list("mentor_id", "mentee_id")) | (
        frozenset(paired)
    )


# Why a pair can't be proposed (pair_refusals), in the words a co-lead reads.
KEPT_APART = "kept apart"
DECLINED_BEFORE = "declined before"
ALREADY_THEIR_MENTOR = "already their mentor"


def pair_refusals(
    mentors: Collection[MentorProfile], mentee_ids: Collection[int]
) -> dict[tuple[int, int], tuple[str, str]]:
    """Why each (mentor profile id, mentee member id) pair of these mentors and
    mentees can't be proposed, with the kind of the earlier match ("" for a
    bar); a pair left out may be. Two queries, however many pairs."""
    if not mentors or not mentee_ids:
        return {}
    profile_of = {mentor.member_id: mentor.pk for mentor in mentors}
    refusals = {}
    earlier = (
        Match.objects.filter(
            mentor_id__in=profile_of.values(),
            request__mentee_id__in=mentee_ids,
            state__in=(*Match.OPEN_STATES, Match.State.DECLINED),
        )
        .order_by("proposed_at", "pk")
        .values_list("mentor_id", "request__mentee_id", "state", "kind")
    )
    for mentor_id, mentee_id, state, kind in earlier:  # the latest one counts
        why = DECLINED_BEFORE if state == Match.State.DECLINED else ALREADY_THEIR_MENTOR
        refusals[mentor_id, mentee_id] = (why, kind)
    bars = BarredPair.objects.filter(
        mentor_id__in=profile_of, mentee_id__in=mentee_ids
    ).values_list("mentor_id", "mentee_id")
    for mentor_member_id, mentee_id in bars:
        refusals[profile_of[mentor_member_id], mentee_id] = (KEPT_APART, "")
    return refusals


def pair_refusal(mentor: MentorProfile, mentee: Member) -> str | None:
    """Why this mentor can't be proposed to this mentee, or None."""
    found = pair_refusals([mentor], [mentee.pk]).get((mentor.pk, mentee.pk))
    if found is None:
        return None
    why, kind = found
    if why == KEPT_APART:
        return "The co-leads keep this pair apart."
    if why == DECLINED_BEFORE:
        return f"{mentor} said no to an earlier request: choose another mentor."
    label = MentorType(kind).label
    return f"{mentor} is already a mentor here for {label}: choose someone else."


def taken_slots() -> frozenset[tuple[int, str]]:
    return frozenset(
        Match.objects.filter(state__in=Match.OPEN_STATES).values_list(
            "request_id", "kind"
        )
    )


def mentor_cards(filters: dict) -> QuerySet[MentorProfile]:
    cards = (
        MentorProfile.objects.filter(active_q("member__"))
        .select_related("member__user", "specialty")
        .annotate(open=Count("matches", filter=Q(matches__state__in=Match.OPEN_STATES)))
    )
    if filters.get("kind"):
        cards = cards.filter(types__contains=[filters["kind"]])
    if filters.get("specialty"):
        cards = cards.filter(specialty=filters["specialty"])
    if filters.get("language"):
        cards = cards.filter(member__languages__contains=[filters["language"]])
    if filters.get("accepting"):
        cards = cards.filter(accepting=True)
    return cards.order_by("member__user__last_name", "pk")


def match_fit_for(match: Match, viewer: Member | None) -> Score:
    """Why this pair, in the words its viewer may read: the mentor without the
    mentee's unshared visa status, the mentee without the mentor's private visa
    paths, co-leads everything (what the round stored)."""
    full = Score(match.score, tuple(match.reasons))
    is_mentor = viewer is not None and match.mentor.member_id == viewer.pk
    is_mentee = viewer is not None and match.request.mentee_id == viewer.pk
    if not (is_mentor or is_mentee):
        return full
    fit = score(
        mentor_facts(match.mentor, free=1, for_mentee=is_mentee),
        request_facts(match.request, for_mentor=is_mentor),
        match.kind,
    )
    return fit or without_visa(full)


def overview() -> dict:
    """Open requests, each mentor's load, matches by type, median days to match."""
    answered = Match.objects.filter(
        state__in=(Match.State.ACTIVE, Match.State.CLOSED), answered_at__isnull=False
    ).values_list("request__created_at", "answered_at")
    days = [(a - c).total_seconds() / 86400 for c, a in answered]
    loads = (
        MentorProfile.objects.select_related("member__user")
        .annotate(
            active=Count("matches", filter=Q(matches__state=Match.State.ACTIVE)),
            waiting=Count(
                "matches",
                filter=Q(matches__state__in=(Match.State.PROPOSED, Match.State.INFO)),
            ),
        )
        .order_by("-active", "member__user__last_name")
    )
    by_type = dict(
        Match.objects.filter(state__in=(*Match.OPEN_STATES, Match.State.CLOSED))
        .values_list("kind")
        .annotate(n=Count("pk"))
    )
    return {
        "open_requests": MentorshipRequest.objects.filter(status="open").count(),
        "loads": loads,
        "by_type": [(t.label, by_type.get(t.value, 0)) for t in MentorType],
        "median_days": round(statistics.median(days), 1) if days else None,
    }


def board_for(member: Member) -> list[dict]:
    """The mentee's board of mentors, a seat per kind of mentor: who fills it
    (matches of that kind, waiting or active; contacts from their own log they
    marked as informal mentors for it), and which seats are empty. Two queries."""
    matches = (
        Match.objects.filter(request__mentee=member, state__in=Match.OPEN_STATES)
        .select_related("mentor__member__user")
        .order_by("proposed_at")
    )
    informal = Contact.objects.filter(member=member).exclude(board_seat="")
    seats = {
        kind: {"kind": kind, "label": label, "matches": [], "informal": []}
        for kind, label in MentorType.choices
    }
    for match in matches:
        seats[match.kind]["matches"].append(match)
    for contact in informal:
        if contact.board_seat in seats:
            seats[contact.board_seat]["informal"].append(contact)
    for seat in seats.values():
        seat["empty"] = not seat["matches"] and not seat["informal"]
    return list(seats.values())


def digest_board(member: Member, since) -> tuple[str, list[str]] | None:
    """A resident's weekly digest: the empty seats on their board of mentors."""
    if not member.user.groups.filter(name=Role.RESIDENT).exists():
        return None
    empty = [str(seat["label"]) for seat in board_for(member) if seat["empty"]]
    if not empty:
        return None
    return (
        "Your board of mentors",
        [
            f"Empty seats: {', '.join(empty)}. Ask for a mentor, or mark someone "
            f"you know as an informal mentor: {settings.SITE_URL}/mentorship/"
        ],
    )


# --- Home page blocks (imgportal/views.py) -------------------------------------

# Mentors and mentees are asked to meet about monthly: a check-in is "due" a
# month after the last one logged (or after the mentor said yes).
CHECKIN_EVERY_DAYS = 30


def home_mentee(member: Member, *, limit: int = 4) -> dict:
    """The mentee's open request and their matches, a question from a mentor
    first (it waits for them). Two queries."""
    from django.db.models import Case, IntegerField, Value, When

    matches = (
        Match.objects.filter(request__mentee=member, state__in=Match.OPEN_STATES)
        .select_related("mentor__member__user")
        .annotate(
            waits_for_me=Case(
                When(state=Match.State.INFO, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("waits_for_me", "-proposed_at")
    )
    return {
        "request": MentorshipRequest.objects.filter(mentee=member, status="open")
        .order_by("-created_at")
        .first(),
        "matches": list(matches[:limit]),
    }


def home_proposals_waiting(member: Member, *, limit: int = 5) -> dict:
    """Proposals waiting for this mentor's yes or no, oldest first. Two queries."""
    waiting = (
        Match.objects.filter(mentor__member=member, state=Match.State.PROPOSED)
        .select_related("request__mentee__user")
        .order_by("proposed_at", "pk")
    )
    return {"matches": list(waiting[:limit]), "count": waiting.count()}


def home_mentee_checkins(member: Member, today, *, limit: int = 5) -> list[dict]:
    """The mentor's active mentees with their last check-in and when the next
    is due, the most overdue first. One query."""
    from datetime import timedelta

    from django.db.models import Max
    from django.db.models.functions import Coalesce, TruncDate

    active = (
        Match.objects.filter(mentor__member=member, state=Match.State.ACTIVE)
        .select_related("request__mentee__user")
        .annotate(last_met=Max("checkins__met_on"))
        .annotate(
            since=Coalesce(
                "last_met", TruncDate("answered_at"), TruncDate("proposed_at")
            )
        )
        .order_by("since", "pk")
    )
    rows = []
    for match in active[:limit]:
        due = match.since + timedelta(days=CHECKIN_EVERY_DAYS)
        rows.append(
            {
                "match": match,
                "last_met": match.last_met,
                "due": due,
                "overdue": due < today,
            }
        )
    return rows


def round_mentors_asked(matching_round: MatchingRound) -> tuple[int, int]:
    """(asked, pairs) of a confirmed round: the pairs whose mentor's email is
    queued, or that were answered or ended before it was (two queries)."""
    pairs = list(
        Match.objects.filter(round=matching_round).values_list(
            "pk", "state", "mentor__member_id"
        )
    )
    # The outbox key services._email gives the "proposed" email of a pair.
    keys = [
        f"mentorship-proposed:{pk}:{Match.State.PROPOSED}:{member_id}"
        for pk, state, member_id in pairs
        if state == Match.State.PROPOSED
    ]
    queued = (
        OutboundEmail.objects.filter(idempotency_key__in=keys).count() if keys else 0
    )
    return queued + len(pairs) - len(keys), len(pairs)
