"""The navigation bar's "My contacts" badge: follow-ups due today or overdue
(issue 21 item 7)."""

from django.utils import timezone

from contacts import selectors
from members.context_processors import member_badge


def navigation(request) -> dict:
    return member_badge(
        request,
        "nav_follow_ups_due",
        lambda member_id: selectors.follow_ups_due_count(
            member_id, timezone.localdate()
        ),
    )
