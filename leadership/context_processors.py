"""The navigation bar's "Leadership" badge: the member's saved openings that
close this week (issue 21 item 7)."""

from leadership import selectors
from members.context_processors import member_badge


def navigation(request) -> dict:
    return member_badge(request, "nav_openings_closing", selectors.closing_soon_count)
