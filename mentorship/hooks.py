"""What mentoring holds about a member: their mentor profile, their requests,
their matches on either side with questions, answers, check-ins and feedback."""

from django.db.models import Q
from django.utils import timezone

from imgportal.hooks import MEMBER_DIGEST_SECTIONS
from imgportal.personal_data import PersonalData, personal_data_register
from mentorship.models import (
    BarredPair,
    CheckIn,
    Match,
    MentorProfile,
    MentorshipRequest,
)


def _matches(member):
    return Match.objects.filter(Q(request__mentee=member) | Q(mentor__member=member))


def export(member) -> dict[str, object]:
    profile = (
        MentorProfile.objects.filter(member=member)
        .values(
            "types",
            "interests",
            "visa_paths",
            "show_visa_paths",
            "capacity",
            "accepting",
            "meeting",
            "bio",
        )
        .first()
    )
    return {
        "mentor_profile": profile,
        "mentorship_requests": list(
            MentorshipRequest.objects.filter(mentee=member)
            .order_by("created_at")
            .values("types", "goals", "priorities", "urgency", "share_visa", "status")
        ),
        "mentorship_matches": list(
            _matches(member)
            .order_by("proposed_at")
            .values(
                "kind",
                "state",
                "mentor__member__user__first_name",
                "mentor__member__user__last_name",
                "request__mentee__user__first_name",
                "request__mentee__user__last_name",
                "question",
                "answer",
                "mentor_feedback",
                "mentee_feedback",
                "proposed_at",
                "closed_at",
            )
        ),
        "mentorship_checkins": list(
            CheckIn.objects.filter(match__in=_matches(member))
            .order_by("met_on")
            .values("match__kind", "met_on", "notes", "progress")
        ),
    }


def erase(member) -> None:
    """Every text they or their mentoring partner wrote about the pair goes;
    open matches close and open requests close; the pairs stay, nameless, in the
    co-leads' counts."""
    now = timezone.now()
    matches = _matches(member)
    matches.filter(state__in=Match.OPEN_STATES).update(state="closed", closed_at=now)
    matches.update(question="", answer="", mentor_feedback="", mentee_feedback="")
    CheckIn.objects.filter(match__in=matches).update(notes="", progress="")
    MentorshipRequest.objects.filter(mentee=member).update(goals="", status="closed")
    MentorProfile.objects.filter(member=member).update(
        interests="", bio="", accepting=False, visa_paths=[], show_visa_paths=False
    )
    BarredPair.objects.filter(Q(mentor=member) | Q(mentee=member)).update(reason="")


def register() -> None:
    from mentorship.selectors import digest_board

    MEMBER_DIGEST_SECTIONS.register("mentorship", "board", digest_board)
    personal_data_register(
        PersonalData(
            app="mentorship",
            models=(
                "mentorship.MentorProfile",
                "mentorship.MentorshipRequest",
                "mentorship.Match",
                "mentorship.CheckIn",
                "mentorship.BarredPair",
                # Rounds and proposals name the co-lead who ran them and pairs
                # whose request or profile the erase above empties.
                "mentorship.MatchingRound",
                "mentorship.Proposal",
            ),
            export=export,
            erase=erase,
        )
    )
