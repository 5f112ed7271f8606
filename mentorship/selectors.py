"""Reads of mentoring, scoped by who looks: mentees see their own requests and
matches, mentors the proposals made to them and their mentees, co-leads all."""

from django.db.models import Count, Q, QuerySet

from members.models import Member
from mentorship.models import BarredPair, Match, MentorProfile, MentorshipRequest
from mentorship.scoring import MentorFacts, RequestFacts

RUN = "mentorship.run_matching"


def pgy_of(member: Member) -> int | None:
    """PGY-1 → 1 … PGY-7 → 7, fellows 8; faculty and others None."""
    stage = member.training_stage or ""
    if stage.startswith("pgy") and stage[3:].isdigit():
        return int(stage[3:])
    return 8 if stage == "fellow" else None


def mentor_facts(profile: MentorProfile, free: int | None = None) -> MentorFacts:
    member = profile.member
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
        visa_paths=frozenset(profile.visa_paths),
        pgy=pgy_of(member),
        capacity=max(free, 0),
    )


def request_facts(request: MentorshipRequest) -> RequestFacts:
    member = request.mentee
    return RequestFacts(
        id=request.pk,
        mentee_id=member.pk,
        types=frozenset(request.types),
        specialty_id=request.specialty_id,
        home_country=member.home_country.code or "",
        languages=frozenset(member.languages),
        visa_status=member.visa_status,
        pgy=pgy_of(member),
        priorities=frozenset(request.priorities),
    )


def open_requests() -> QuerySet[MentorshipRequest]:
    return MentorshipRequest.objects.filter(
        status="open", mentee__status=Member.Status.ACTIVE
    ).select_related("mentee")


def available_mentors() -> list[MentorFacts]:
    """Accepting mentors with their free seats (one query)."""
    profiles = (
        MentorProfile.objects.filter(
            accepting=True, member__status=Member.Status.ACTIVE
        )
        .select_related("member")
        .annotate(open=Count("matches", filter=Q(matches__state__in=Match.OPEN_STATES)))
    )
    return [p for p in profiles if p.capacity > p.open]


def barred_pairs() -> frozenset[tuple[int, int]]:
    return frozenset(BarredPair.objects.values_list("mentor_id", "mentee_id"))


def taken_slots() -> frozenset[tuple[int, str]]:
    return frozenset(
        Match.objects.filter(state__in=Match.OPEN_STATES).values_list(
            "request_id", "kind"
        )
    )


def matches_for(viewer_member: Member | None, user) -> QuerySet[Match]:
    """Matches this person may open: their own as mentee or mentor; co-leads all."""
    matches = Match.objects.select_related(
        "request__mentee__user", "mentor__member__user"
    )
    if user.has_perm(RUN):
        return matches
    if viewer_member is None:
        return matches.none()
    return matches.filter(
        Q(request__mentee=viewer_member) | Q(mentor__member=viewer_member)
    )


def mentor_cards(filters: dict) -> QuerySet[MentorProfile]:
    cards = (
        MentorProfile.objects.filter(member__status=Member.Status.ACTIVE)
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
