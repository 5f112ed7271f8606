"""Who may run matching and open a match.

Co-leads (`mentorship.run_matching`) run rounds, see every request and match and
may withdraw any match; a mentee and a mentor see the matches they are in."""

from django.db.models import Q, QuerySet

from members.models import Member
from mentorship.models import Match

RUN = "mentorship.run_matching"


def can_run_matching(user) -> bool:
    return user.has_perm(RUN)


def matches_for(viewer_member: Member | None, user) -> QuerySet[Match]:
    """Matches this person may open: their own as mentee or mentor; co-leads all."""
    matches = Match.objects.select_related(
        "request__mentee__user", "mentor__member__user"
    )
    if can_run_matching(user):
        return matches
    if viewer_member is None:
        return matches.none()
    return matches.filter(
        Q(request__mentee=viewer_member) | Q(mentor__member=viewer_member)
    )
