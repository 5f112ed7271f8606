"""The composition root's views: the home page (the public front door for
visitors, each role's blocks for people signed in), health checks and the
system page."""

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from contacts.models import Contact
from events import selectors as event_selectors
from events.permissions import can_manage_events
from handbook import selectors as handbook_selectors
from handbook.permissions import can_edit as can_edit_handbook
from handbook.permissions import pages_readable_by
from imgportal import health
from imgportal.identity import group_identity
from imgportal.markdown import handbook_excerpt
from imgportal.middleware import cache_briefly_for_visitors
from leadership import selectors as leadership_selectors
from members import selectors
from members import selectors as member_selectors
from members.models import Member, Role, active_q
from members.permissions import (
    ACCESS_PORTAL,
    MANAGE_MEMBERS,
    VIEW_VISA_STATUS,
    has_member_profile,
    is_awaiting_approval,
)
from members.rules import academic_year_of
from members.services import member_home_seen
from mentorship import selectors as mentorship_selectors
from mentorship.models import MentorProfile
from newsletters import selectors as newsletter_selectors
from newsletters.permissions import SEND as SEND_NEWSLETTERS
from tracker import permissions as tracker_permissions
from tracker import selectors as tracker_selectors

logger = logging.getLogger(__name__)


def this_week(member, *, is_resident: bool | None = None) -> dict:
    """What needs the member soon: saved openings closing within a week, their
    contacts' follow-ups due, and (for residents) empty seats on their board."""
    today = timezone.localdate()
    due = Contact.objects.filter(member=member, follow_up_on__lte=today).order_by(
        "follow_up_on", "name"
    )
    if is_resident is None:
        is_resident = member.user.groups.filter(name=Role.RESIDENT).exists()
    seats = mentorship_selectors.board_for(member) if is_resident else []
    return {
        "closing_soon": leadership_selectors.closing_soon(member),
        "follow_ups": list(due[:5]),
        "follow_ups_count": due.count(),
        "empty_seats": [seat for seat in seats if seat["empty"]],
        "today": today,
    }


def home(request, *args, **kwargs):
    """`/`: visitors get the public front door, signed-in people their home."""
    if not request.user.is_authenticated:
        return front_door(request)
    return HomeView.as_view()(request, *args, **kwargs)


class HomeView(LoginRequiredMixin, TemplateView):
    """Each role lands on a home page made for it."""

    def get(self, request, *args, **kwargs):
        if is_awaiting_approval(request.user):
            return redirect("members:pending")
        if not has_member_profile(request.user):
            return redirect("members:no_profile")
        return super().get(request, *args, **kwargs)

    def get_template_names(self) -> list[str]:
        user = self.request.user
        if user.has_perm(MANAGE_MEMBERS):
            return ["home/home_co_lead.html"]
        if user.has_perm(VIEW_VISA_STATUS):
            return ["home/home_gme_staff.html"]
        if user.has_perm(ACCESS_PORTAL):
            return ["home/home_member.html"]
        return ["home/home_no_access.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        member = context["member"] = selectors.member_for_user(user)
        # What needs the person next, for every role they hold (the home blocks below).
        blocks = context["blocks"] = blocks_for(self.request, member)
        if user.has_perm(ACCESS_PORTAL):
            context["community"] = selectors.community_summary()
            if member is not None:
                has_board = any(b.key == "my-mentoring" for b in blocks)
                context.update(this_week(member, is_resident=has_board))
        if user.has_perm(VIEW_VISA_STATUS):
            # Counts only: names never stand beside a visa status on a home page.
            context["status_counts"] = selectors.member_counts_by_status()
            context["visa_counts"] = selectors.member_counts_by_visa_status()
        return context


@require_GET
def group_css(request):
    """The group's colour, as a stylesheet (CSP allows no inline styles)."""
    colour = group_identity().colour
    css = (
        f":root {{ --portal-group-colour: {colour}; }}\n"
        ".navbar { border-bottom: 0.25rem solid var(--portal-group-colour); }\n"
        ".brand-logo { height: 2rem; width: auto; }\n"
    )
    response = HttpResponse(css, content_type="text/css")
    response["Cache-Control"] = "public, max-age=3600"
    return response


@never_cache
@require_GET
def ping(request):
    """Liveness: the process answers (no database or Redis). Also the load
    benchmark's baseline for a trivial Django view."""
    return HttpResponse("ok", content_type="text/plain")


@never_cache
@require_GET
def ping_signed_in(request):
    """The load benchmark's floor for every member page: the session, the user,
    the member profile and the permission set, and no page work."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    allowed = has_member_profile(request.user) and request.user.has_perm(ACCESS_PORTAL)
    return HttpResponse("ok" if allowed else "no", content_type="text/plain")


def healthz(request):
    """For load balancers: 200 when PostgreSQL and Redis answer, else 503."""
    checks = {
        "database": "ok" if health.database_ok() else "error",
        "redis": "ok" if health.redis_ok() else "error",
    }
    healthy = all(value == "ok" for value in checks.values())
    return _health_response(checks, healthy)


def _health_token_given(request) -> bool:
    header = request.headers.get("Authorization", "")
    given = header.removeprefix("Bearer ").strip() or request.GET.get("token", "")
    return constant_time_compare(given, settings.HEALTH_TOKEN)


@never_cache
@require_GET
def healthz_deep(request):
    """For monitors: beat, workers, mail waiting and failing (ages and counts
    only), 503 naming what is past its limit. HEALTH_TOKEN, when set, is asked."""
    if settings.HEALTH_TOKEN and not _health_token_given(request):
        return HttpResponse("a health token is required", status=403)
    report = health.deep_report()
    return _health_response(report.as_json(), report.healthy)


def _health_response(checks: dict, healthy: bool) -> JsonResponse:
    response = JsonResponse(checks, status=200 if healthy else 503)
    if not healthy:
        # One WARNING naming what failed instead of Django's ERROR "Service
        # Unavailable", which would send every poll of a red check to Sentry.
        failing = [name for name, value in checks.items() if value == "error"]
        logger.warning(
            "Health check failing: %s", ", ".join(checks.get("failing", failing))
        )
        response._has_been_logged = True  # read by django.utils.log.log_response
    return response


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = round(seconds)
    minutes, rest = divmod(seconds, 60)
    if minutes >= 120:
        return f"{minutes // 60} h {minutes % 60} min"
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


class SystemView(LoginRequiredMixin, TemplateView):
    """Site admins: what /healthz/deep checks, each reading beside its limit,
    every worker and each kind of mail (works without a member profile)."""

    template_name = "system/system.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_superuser:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = health.deep_report()
        unknown = {
            "beat": "never seen",
            "worker": "none seen",
            "email_queue": "unknown",
            "failed_deliveries": "unknown",
        }
        rows = []
        for check in report.checks:
            if check.unit == "seconds":
                shown, limit = _duration(check.value), _duration(check.limit)
            else:
                shown, limit = check.value, check.limit
            if check.value is None:
                shown = "none waiting" if check.ok else unknown[check.name]
            rows.append({"check": check, "shown": shown, "limit": limit})
        now = timezone.now()
        context.update(
            report=report,
            rows=rows,
            workers=[(host, _duration(age)) for host, age in report.workers.items()],
            mail=[
                (
                    reading.label,
                    _duration((now - reading.oldest_waiting_since).total_seconds())
                    if reading.oldest_waiting_since
                    else "none waiting",
                    reading.failed_last_day,
                )
                for reading in report.mail
            ],
            checked_at=now,
        )
        return context


# --- The public front door (issue 22) ----------------------------------------
# The public front door at `/` for visitors who are not signed in (issue 22):
# who the group is, what members get, the upcoming public events, a few handbook
# pages, the co-leads, how to join and the GME office's contact.
#
# It shows only what a visitor may already read elsewhere: events an organiser
# made public (`events_visible_to` scopes them), handbook pages readable without
# signing in (`pages_readable_by`), and the co-leads' names with their specialty
# when they show it in the directory; never a visa status, an email address or
# anything else of a member. Three queries, however many events, pages or co-leads
# there are.

EVENTS_SHOWN = 4
PAGES_SHOWN = 4
# A group has two co-leads; a bound all the same.
CO_LEADS_SHOWN = 6


def front_door(request):
    """Visitors: the group, its public events and handbook, and how to join."""
    events = event_selectors.events_for_list(
        viewer=request.user, member=None, past=False
    )
    context = {
        "events": list(events[:EVENTS_SHOWN]),
        "pages": handbook_highlights(request.user),
        "co_leads": co_leads_now(),
    }
    return cache_briefly_for_visitors(render(request, "home/front_door.html", context))


def handbook_highlights(viewer) -> list:
    """The handbook pages published or updated most recently that the viewer
    may read, each with a short `excerpt` (one query)."""
    pages = list(
        pages_readable_by(viewer)
        .filter(published_revision__isnull=False)
        .select_related("chapter")
        .only(
            "slug",
            "title",
            "body_html",
            "published_at",
            "last_reviewed_on",
            "chapter__slug",
            "chapter__title",
        )
        .order_by("-published_at", "pk")[:PAGES_SHOWN]
    )
    for page in pages:
        page.excerpt = handbook_excerpt(page.body_html)
    return pages


def co_leads_now() -> list[dict]:
    """The co-leads in office today: a name each, and their specialty when they
    show it to members in the directory (one query)."""
    today = timezone.localdate()
    terms = (
        member_selectors.co_lead_history()
        .filter(active_q("member__"), start__lte=today)
        .exclude(end__lt=today)
        .select_related("member__specialty")
        # What is shown, no more: a visa status never even leaves the database.
        .only(
            "start",
            "member__preferred_name",
            "member__directory_fields",
            "member__specialty__name",
            "member__user__first_name",
            "member__user__last_name",
        )
        .order_by("start", "pk")[:CO_LEADS_SHOWN]
    )
    shown = []
    for term in terms:
        member = term.member
        # Not display_name: with no name given it falls back to the address.
        name = member.full_name or member.preferred_name
        if not name:
            continue
        shows_specialty = member.specialty is not None and member.shows("specialty")
        shown.append(
            {
                "name": name,
                "specialty": member.specialty.name if shows_specialty else "",
                "since": term.start,
            }
        )
    return shown


# --- The home page's blocks (issue 22) --------------------------------------
# The home page's blocks: what needs each person next, for every role they hold.
#
# One function per block, each a few bounded queries through the feature apps'
# selectors, returning a `Block`. `blocks_for()` picks the blocks a person's roles
# call for and orders them: blocks that wait for the person first, then blocks
# with something in them, then empty ones (which say what to do). Visa status
# never appears in a block about anyone but the viewer.

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
