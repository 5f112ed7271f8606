"""Who sees what in the status tracker: each member sees only their own
documents (every query is scoped to `request.user.member`); GME staff and
co-leads (`tracker.view_tracker_counts`) see anonymous totals, never names."""

VIEW_COUNTS = "tracker.view_tracker_counts"


def can_see_counts(user) -> bool:
    return user.has_perm(VIEW_COUNTS)
