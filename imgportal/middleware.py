from contextvars import ContextVar

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

# Who may read visa status must prove a second factor first (ASVS 2.2 / L2).
MFA_PERMISSION = "members.view_visa_status"
MFA_EXEMPT_PREFIXES = ("/accounts/", "/healthz", "/static/")


class RequireStaffMFAMiddleware:
    """Send co-leads and GME staff without TOTP to set it up before any member data."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._must_set_up_mfa(request):
            messages.warning(
                request,
                "Your role can see members' visa status, so two-factor sign-in is "
                "required. Set up an authenticator app to continue.",
            )
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)

    def _must_set_up_mfa(self, request) -> bool:
        user = request.user
        return (
            settings.MFA_REQUIRED_FOR_STAFF
            and user.is_authenticated
            and not request.path.startswith(MFA_EXEMPT_PREFIXES)
            and user.has_perm(MFA_PERMISSION)
            and not Authenticator.objects.filter(
                user=user, type=Authenticator.Type.TOTP
            ).exists()
        )


class NoStoreForSignedInMiddleware:
    """Pages for signed-in people may show member data: no cache may keep them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated:
            add_never_cache_headers(response)
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
