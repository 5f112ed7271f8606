"""Absolute links for emails and calendars (the site's address is a setting)."""

from django.conf import settings


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"
