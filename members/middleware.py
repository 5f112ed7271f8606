"""Request-wide rules that depend on who the member is."""

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from members.permissions import VIEW_VISA_STATUS
from members.sso import session_has_idp_mfa

# Who may read visa status must prove a second factor first (ASVS 2.2 / L2).
MFA_PERMISSION = VIEW_VISA_STATUS
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
            and not session_has_idp_mfa(request)
            and user.has_perm(MFA_PERMISSION)
            and not Authenticator.objects.filter(
                user=user, type=Authenticator.Type.TOTP
            ).exists()
        )
