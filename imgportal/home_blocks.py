"""The home page's blocks: what needs each person next, for every role they hold.

One function per block, each a few bounded queries through the feature apps'
selectors, returning a `Block`. `blocks_for()` picks the blocks a person's roles
call for and orders them: blocks that wait for the person first, then blocks
with something in them, then empty ones (which say what to do). Visa status
never appears in a block about anyone but the viewer."""

from dataclasses import dataclass, field
from datetime import datetime

from django.urls import reverse
from django.utils import timezone

from events import selectors as event_selectors
from events.permissions import can_manage_events
from handbook import selectors as handbook_selectors
from handbook.permissions import can_edit as can_edit_handbook
from members import selectors as member_selectors
from members.models import Member, Role
from members.permissions import ACCESS_PORTAL, MANAGE_MEMBERS
from members.rules import academic_year_of
from members.services import member_home_seen
from mentorship import selectors as mentorship_selectors
from mentorship.models import MentorProfile
from newsletters import selectors as newsletter_selectors
from newsletters.permissions import SEND as SEND_NEWSLETTERS
from tracker import permissions as tracker_permissions
from tracker import selectors as tracker_selectors

# The order blocks take among equals: what usually needs someone soonest first.
PRIORITY = (
    "join-requests",
    "proposals",
    "my-status",
    "drafts",
    "my-mentoring",
    "my-events",
    "checkins",
    "staff-events",
    "spend",
    "in-progress",
    "co-lead-seats",
    "handbook-changes",
)
# The session remembers, for one visit (a sign-in session, 12 hours at most),
# where "since your last visit" starts: refreshing the home keeps the list.
VISIT_SINCE = "home-visit-since"


@dataclass
class Block:
    key: str
    title: str
    link: str
    link_text: str
    data: dict = field(default_factory=dict)
    needs_you: bool = False
    empty: bool = False

    @property
    def template(self) -> str:
        return f"home/_{self.key.replace('-', '_')}.html"

    @property
    def rank(self) -> tuple[int, int]:
        weight = 0 if self.needs_you else 2 if self.empty else 1
        return (weight, PRIORITY.index(self.key))


def visit_since(request, member: Member, now: datetime) -> datetime | None:
    """Where this visit's "since your last visit" starts (None: first visit);
    notes this visit for the next one."""
    stored = request.session.get(VISIT_SINCE)
    if stored is None:
        stored = member.home_seen_at.isoformat() if member.home_seen_at else ""
        request.session[VISIT_SINCE] = stored
    member_home_seen(member=member, at=now)
    return datetime.fromisoformat(stored) if stored else None


# --- A member's own blocks ------------------------------------------------------


def my_events(user, member: Member) -> Block:
    data = event_selectors.home_my_events(viewer=user, member=member)
    return Block(
        "my-events",
        "Your next events",
        reverse("events:list"),
        "All events",
        data,
        needs_you=any(e.my_status == "offered" for e in data["mine"]),
        empty=not data["mine"] and not data["unanswered"],
    )


def my_status(member: Member, today) -> Block:
    data = tracker_selectors.home_summary(member, today)
    return Block(
        "my-status",
        "My status",
        reverse("tracker:status"),
        "Open My status",
        data,
        needs_you=bool(data["warnings"]),
        empty=not data["tracked"],
    )


def my_mentoring(member: Member) -> Block:
    data = mentorship_selectors.home_mentee(member)
    return Block(
        "my-mentoring",
        "Your mentors",
        reverse("mentorship:hub"),
        "Your mentoring page",
        data,
        needs_you=any(m.state == "info" for m in data["matches"]),
        empty=data["request"] is None and not data["matches"],
    )


def handbook_changes(user, member: Member, since) -> Block:
    data = handbook_selectors.home_watched_changes(user, member, since)
    data["since"] = since
    return Block(
        "handbook-changes",
        "Handbook: changed since your last visit",
        reverse("handbook:changes"),
        "Everything that changed",
        data,
        empty=not data["pages"],
    )


# --- Mentors ----------------------------------------------------------------------


def proposals(member: Member, profile: MentorProfile | None) -> Block:
    data = mentorship_selectors.home_proposals_waiting(member)
    data["profile"] = profile
    return Block(
        "proposals",
        "Mentees waiting for your answer",
        reverse("mentorship:hub"),
        "Your mentoring page",
        data,
        needs_you=bool(data["count"]),
        empty=not data["count"],
    )


def checkins(member: Member, profile: MentorProfile | None, today) -> Block:
    rows = mentorship_selectors.home_mentee_checkins(member, today)
    return Block(
        "checkins",
        "Your mentees' next check-ins",
        reverse("mentorship:hub"),
        "Your mentoring page",
        {
            "rows": rows,
            "profile": profile,
            "every": mentorship_selectors.CHECKIN_EVERY_DAYS,
        },
        needs_you=any(r["overdue"] for r in rows),
        empty=not rows,
    )


# --- GME staff ------------------------------------------------------------------


def staff_events(user) -> Block:
    events = event_selectors.home_upcoming_with_rsvps(viewer=user)
    return Block(
        "staff-events",
        "Upcoming events and their RSVPs",
        reverse("events:list"),
        "All events",
        {"events": events},
        empty=not events,
    )


def spend(today) -> Block:
    data = event_selectors.gme_spend(year=academic_year_of(today))
    return Block(
        "spend",
        f"This year's spend ({data['label']})",
        reverse("events:report"),
        "The full funding report",
        data,
        empty=not data["events"],
    )


# --- Co-leads -------------------------------------------------------------------


def join_requests(user) -> Block:
    pending = member_selectors.members_pending(viewer=user)
    data = {
        "pending_members": list(pending[:5]),
        "pending_count": pending.count(),
        "deletion_count": member_selectors.deletion_requests_pending(
            viewer=user
        ).count(),
    }
    return Block(
        "join-requests",
        "Join requests waiting",
        reverse("members:join_requests"),
        "All join requests",
        data,
        needs_you=bool(data["pending_count"] or data["deletion_count"]),
        empty=not data["pending_count"] and not data["deletion_count"],
    )


def drafts(user) -> Block:
    waiting = handbook_selectors.pending_reviews(user)
    data = {
        "drafts": list(waiting[:5]),
        "count": waiting.count(),
        # The editor's own edits a reviewer sent back: theirs to change.
        "sent_back": list(handbook_selectors.sent_back_to(user)[:5]),
    }
    return Block(
        "drafts",
        "Handbook drafts waiting for review",
        reverse("handbook:reviews"),
        "All drafts to review",
        data,
        needs_you=bool(data["count"] or data["sent_back"]),
        empty=not data["count"] and not data["sent_back"],
    )


def in_progress(user) -> Block:
    imports = member_selectors.imports_in_progress(viewer=user)
    sends = (
        newsletter_selectors.sends_in_progress()
        if user.has_perm(SEND_NEWSLETTERS)
        else []
    )
    return Block(
        "in-progress",
        "Imports and sends in progress",
        reverse("members:import"),
        "Roster imports",
        {"imports": imports, "sends": sends},
        needs_you=any(job.can_confirm for job in imports),
        empty=not imports and not sends,
    )


def co_lead_seats(user, today) -> Block:
    data = member_selectors.co_lead_seats(viewer=user, today=today)
    return Block(
        "co-lead-seats",
        "Co-lead seats and terms ending",
        reverse("members:handoff"),
        "Leadership handoff",
        data,
        needs_you=data["filled"] < data["seats"] or bool(data["ending"]),
    )


# --- Putting them together ----------------------------------------------------------


def blocks_for(request, member: Member | None) -> list[Block]:
    """Every block the person's roles call for, what waits for them first."""
    user = request.user
    if member is None or not user.has_perm(ACCESS_PORTAL):
        return []
    now = timezone.now()
    today = timezone.localdate()
    roles = set(user.groups.values_list("name", flat=True))
    is_resident = Role.RESIDENT in roles
    is_gme = Role.GME_STAFF in roles
    profile = MentorProfile.objects.filter(member=member).first()
    since = visit_since(request, member, now)
    blocks = []
    if not is_gme or is_resident:
        blocks.append(my_events(user, member))
    if is_resident or user.has_perm(tracker_permissions.KEEP_OWN):
        blocks.append(my_status(member, today))
    if is_resident:
        blocks.append(my_mentoring(member))
    if Role.MENTOR in roles or profile is not None:
        blocks += [proposals(member, profile), checkins(member, profile, today)]
    changes = handbook_changes(user, member, since)
    if is_resident or not changes.empty:
        blocks.append(changes)
    if is_gme and can_manage_events(user):
        blocks += [staff_events(user), spend(today)]
    if user.has_perm(MANAGE_MEMBERS):
        blocks += [join_requests(user), in_progress(user), co_lead_seats(user, today)]
    if can_edit_handbook(user):
        blocks.append(drafts(user))
    return sorted(blocks, key=lambda block: block.rank)
