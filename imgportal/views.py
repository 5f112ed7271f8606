import logging

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from contacts.models import Contact
from imgportal import health, home_blocks
from imgportal.front_door import front_door
from imgportal.identity import group_identity
from leadership import selectors as leadership_selectors
from members import selectors
from members.models import Role
from members.permissions import (
    ACCESS_PORTAL,
    MANAGE_MEMBERS,
    VIEW_VISA_STATUS,
    has_member_profile,
    is_awaiting_approval,
)
from mentorship import selectors as mentorship_selectors

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
        # What needs the person next, for every role they hold (home_blocks.py).
        blocks = context["blocks"] = home_blocks.blocks_for(self.request, member)
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
