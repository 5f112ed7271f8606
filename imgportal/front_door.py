"""The public front door at `/` for visitors who are not signed in (issue 22)."""

from django.contrib.auth.views import redirect_to_login


def front_door(request):
    """Visitors: for now, the sign-in page (the front door replaces this)."""
    return redirect_to_login(request.get_full_path())
