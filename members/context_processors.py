from functools import cache

from django.conf import settings

from imgportal.sso_config import provider_names
from members.permissions import ACCESS_PORTAL, is_awaiting_approval


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


def member_badge(request, name: str, count) -> dict:
    """A navigation badge for an approved member: `count(member_id)` runs only
    if the page draws the bar (a fragment or a redirect costs no query), and
    once however often the bar shows it (templates call a callable)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.has_perm(ACCESS_PORTAL):
        return {}
    member = getattr(user, "member", None)
    if member is None:
        return {}
    return {name: cache(lambda: count(member.pk))}
