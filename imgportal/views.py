import logging

import redis
from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from imgportal.identity import group_identity
from members import selectors
from members.permissions import (
    ACCESS_PORTAL,
    MANAGE_MEMBERS,
    VIEW_VISA_STATUS,
    has_member_profile,
    is_awaiting_approval,
)

logger = logging.getLogger(__name__)


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
        context["member"] = selectors.member_for_user(user)
        if user.has_perm(ACCESS_PORTAL):
            context["community"] = selectors.community_summary()
        if user.has_perm(VIEW_VISA_STATUS):
            context["status_counts"] = selectors.member_counts_by_status()
            context["visa_counts"] = selectors.member_counts_by_visa_status()
        if user.has_perm(MANAGE_MEMBERS):
            context["pending_members"] = selectors.members_pending(viewer=user)[:5]
            context["pending_count"] = selectors.members_pending(viewer=user).count()
            context["deletion_count"] = selectors.deletion_requests_pending(
                viewer=user
            ).count()
        return context


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any failure means "not healthy"
        logger.exception("Health check: database unreachable")
        return False
    return True


def _redis_ok() -> bool:
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
        )
        return bool(client.ping())
    except Exception:  # any failure means "not healthy"
        logger.exception("Health check: Redis unreachable")
        return False


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


def healthz(request):
    """For load balancers: 200 when PostgreSQL and Redis answer, else 503."""
    checks = {
        "database": "ok" if _database_ok() else "error",
        "redis": "ok" if _redis_ok() else "error",
    }
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(checks, status=200 if healthy else 503)
