"""Who sees what in the status tracker: each member sees only their own
documents (every query is scoped to `request.user.member`); GME staff and
co-leads (`tracker.view_tracker_counts`) see anonymous totals, never names."""

VIEW_COUNTS = "tracker.view_tracker_counts"
# "My status" is for the group's members (residents, fellows, mentors); GME
# staff who are not also members are not offered it (issue 22).
KEEP_OWN = "tracker.keep_own_status"


def can_see_counts(user) -> bool:
    return user.has_perm(VIEW_COUNTS)
