"""Which role has which permission: the one list a newcomer reads
(`python manage.py roles` prints it as the README's table).

Each role is a Django group (made by `members/migrations/0002_roles.py`); each
app declares its permission codenames once, as constants in its
`permissions.py`, and grants them in its own data migration. This module is the
readable summary of those grants: `tests/test_roles.py` checks that the groups
in the database hold exactly these permissions and that the README's role table
is `role_table()`'s output. Site admins are superusers and hold every
permission; the MFA rule applies to them too."""

from django.core.management.base import BaseCommand

from events import permissions as events
from handbook import permissions as handbook
from leadership import permissions as leadership
from members import permissions as members
from members.models import Role
from mentorship import permissions as mentorship
from newsletters import permissions as newsletters
from tracker import permissions as tracker

# permission → what it lets a person do (in the README's words)
PERMISSIONS = {
    members.ACCESS_PORTAL: "use the member pages: directory, events, mentors, tracker",
    members.VIEW_VISA_STATUS: "see others' visa status (after two-factor sign-in)",
    members.VIEW_MEMBER_LIST: "read the full member list and export it",
    members.MANAGE_MEMBERS: "approve joins, change members, roll the year, hand over",
    events.MANAGE: "create, publish, cancel and run every event; funding report",
    newsletters.SEND: "write, schedule and send newsletters",
    handbook.EDIT: "draft and review handbook pages, see history",
    handbook.PUBLISH_ALONE: "publish a handbook edit without a second reviewer",
    handbook.MANAGE_EDITORS: "choose the handbook editors",
    mentorship.RUN: "run matching rounds and see every match",
    tracker.KEEP_OWN: "keep their own status tracker (My status)",
    tracker.VIEW_COUNTS: "see the tracker's anonymous totals",
    leadership.POST_OPENINGS: "post and close leadership openings, approve suggestions",
}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.RESIDENT: frozenset({members.ACCESS_PORTAL, tracker.KEEP_OWN}),
    Role.MENTOR: frozenset({members.ACCESS_PORTAL, tracker.KEEP_OWN}),
    Role.HANDBOOK_EDITOR: frozenset({members.ACCESS_PORTAL, handbook.EDIT}),
    Role.GME_STAFF: frozenset(
        {
            members.ACCESS_PORTAL,
            members.VIEW_VISA_STATUS,
            members.VIEW_MEMBER_LIST,
            events.MANAGE,
            newsletters.SEND,
            tracker.VIEW_COUNTS,
            leadership.POST_OPENINGS,
        }
    ),
    Role.CO_LEAD: frozenset(PERMISSIONS),
}


def role_table() -> str:
    """The README's role table (Markdown): one row per permission."""
    roles = list(ROLE_PERMISSIONS)
    lines = [
        "| permission | lets a person | " + " | ".join(roles) + " |",
        "| --- | --- | " + " | ".join(":---:" for _ in roles) + " |",
    ]
    for permission, meaning in PERMISSIONS.items():
        marks = " | ".join(
            "✓" if permission in ROLE_PERMISSIONS[role] else "" for role in roles
        )
        lines.append(f"| `{permission}` | {meaning} | {marks} |")
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = "Print which role holds which permission (the README's role table)."

    def handle(self, *args, **options):
        self.stdout.write(role_table())
