from django.conf import settings

from members.permissions import is_awaiting_approval


def navigation(request) -> dict:
    """What the header shows: the pending state; links are chosen by `perms`.
    Whether password sign-in is on (the sign-in pages and links)."""
    user = getattr(request, "user", None)
    context = {"password_signin": settings.PASSWORD_SIGNIN}
    if user is not None and user.is_authenticated:
        context["awaiting_approval"] = is_awaiting_approval(user)
    return context
