"""Signed one-click unsubscribe links (RFC 8058): no sign-in needed, no database
row per link; a tampered or expired token is refused."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "newsletters.unsubscribe"
MAX_AGE = 400 * 24 * 60 * 60  # links in old emails keep working for over a year


def unsubscribe_token(member_id: int, category: str) -> str:
    return signing.dumps({"m": member_id, "c": category}, salt=SALT, compress=True)


def read_token(token: str) -> tuple[int, str]:
    """(member id, category), or signing.BadSignature / SignatureExpired."""
    data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    if not isinstance(data, dict) or type(data.get("m")) is not int:
        raise signing.BadSignature("Signed, but not an unsubscribe link.")
    return data["m"], str(data.get("c"))


def unsubscribe_url_prefix() -> str:
    """The URL up to the token (the token is the last path segment)."""
    path = reverse("notifications:unsubscribe", args=["TOKEN"])
    return f"{settings.SITE_URL}{path.removesuffix('TOKEN/')}"


def unsubscribe_url(member_id: int, category: str) -> str:
    return f"{unsubscribe_url_prefix()}{unsubscribe_token(member_id, category)}/"


def list_unsubscribe_headers(member_id: int, category: str) -> dict[str, str]:
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(member_id, category)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
