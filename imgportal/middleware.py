import time
from contextvars import ContextVar

from django.core.exceptions import PermissionDenied
from django.utils.cache import (
    add_never_cache_headers,
    patch_cache_control,
    patch_vary_headers,
)

from imgportal import logs


class RequestIdMiddleware:
    """Give each request an id (a proxy's sane X-Request-ID, or a new one): on
    every log line written while it runs, on its Sentry event, in the response's
    X-Request-ID header; and write one access line when it is answered."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        request.request_id = logs.new_request_id(request.headers.get("X-Request-ID"))
        # Cleared when the response is finished (imgportal/apps.py), not here:
        # Django logs a 4xx/5xx answer after the middleware has returned.
        logs.current_request_id.set(request.request_id)
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        logs.log_request(request, response.status_code, started)
        return response


class NoStoreForSignedInMiddleware:
    """Pages for signed-in people may show member data: no cache may keep them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated:
            add_never_cache_headers(response)
        return response


# Public pages (the front door, public events) change when an organiser edits
# them: a minute's staleness is fine for visitors, and spares a burst of them
# (a GME newsletter's link) the database.
VISITOR_CACHE_SECONDS = 60


def cache_briefly_for_visitors(response):
    """Let browsers and shared caches keep a visitor's copy of a public page for
    a minute. The same address shows a signed-in person their own page, so the
    copy varies on the cookie (the session cookie makes another copy, never
    stored: NoStoreForSignedInMiddleware). Only pages with nobody's data and no
    form (no CSRF token) may use this."""
    patch_cache_control(response, public=True, max_age=VISITOR_CACHE_SECONDS)
    patch_vary_headers(response, ["Cookie"])
    return response


# The client address of the request being served, for audit entries (members).
current_ip: ContextVar[str | None] = ContextVar("audit_current_ip", default=None)


class AuditContextMiddleware:
    """Remember the client address (as allauth's trusted-proxy rule sees it) for
    the audit entries written while this request runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from allauth.account.adapter import get_adapter

        try:
            ip = get_adapter(request).get_client_ip(request)
        except (PermissionDenied, ValueError):
            ip = None  # a malformed proxy header: audit without an address
        token = current_ip.set(ip)
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)
