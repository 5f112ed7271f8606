from members.permissions import is_awaiting_approval


def navigation(request) -> dict:
    """What the header shows: the pending state; links are chosen by `perms`."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"awaiting_approval": is_awaiting_approval(user)}
