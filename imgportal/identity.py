"""The group's identity: its name, institution, logo, contact address, GME office
and colour, from settings (the environment). Pages read it through the `group`
context variable, emails and calendars through `group_identity()` or the
`{% group %}` tag; nothing the user reads names the portal by a fixed string.

Message-IDs and calendar UIDs use the site's own domain (`SITE_URL`), so two
institutions' portals never mint the same identifiers."""

import re
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from django.conf import settings

HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
DEFAULT_COLOUR = "#0d6efd"


@dataclass(frozen=True)
class GroupIdentity:
    name: str
    short_name: str
    institution: str
    gme_office: str
    contact_email: str
    logo_url: str
    colour: str

    @property
    def full_name(self) -> str:
        """ "Riverside IMG Network, Riverside Health" (the institution when set)."""
        return f"{self.name}, {self.institution}" if self.institution else self.name


def group_identity() -> GroupIdentity:
    return _identity(
        settings.GROUP_NAME,
        settings.GROUP_SHORT_NAME,
        settings.GROUP_INSTITUTION,
        settings.GROUP_GME_OFFICE,
        settings.GROUP_CONTACT_EMAIL,
        settings.GROUP_LOGO_URL,
        settings.GROUP_COLOUR,
    )


@cache
def _identity(name, short_name, institution, gme_office, contact, logo, colour):
    return GroupIdentity(
        name=name,
        short_name=short_name or name,
        institution=institution,
        gme_office=gme_office,
        contact_email=contact,
        logo_url=logo,
        colour=colour if HEX_COLOUR.fullmatch(colour or "") else DEFAULT_COLOUR,
    )


def site_domain() -> str:
    """The host of SITE_URL ("portal.riverside.example"): Message-IDs, UIDs."""
    return urlsplit(settings.SITE_URL).hostname or "localhost"
