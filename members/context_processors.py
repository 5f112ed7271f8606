from django.conf import settings

from imgportal.sso_config import provider_names
from members.permissions import is_awaiting_approval


def navigation(request) -> dict:
    """What the header shows: the pending state; links are chosen by `perms`.
    Whether password sign-in (and sign-up) is on, and the institutions whose
    sign-in is offered: the sign-in pages and every "how to join" line."""
    user = getattr(request, "user", None)
    context = {
        "password_signin": settings.PASSWORD_SIGNIN,
        "institution_names": provider_names(settings.SOCIALACCOUNT_PROVIDERS),
    }
    if user is not None and user.is_authenticated:
        context["awaiting_approval"] = is_awaiting_approval(user)
    return context
