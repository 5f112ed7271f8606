"""Template context every page gets: the group's identity and which section
of the navigation the page belongs to."""

from imgportal.identity import group_identity
from imgportal.navigation import ACCOUNT, MORE, section_for


def group(request) -> dict:
    section = section_for(request.path)
    return {
        "group": group_identity(),
        "nav_section": section,
        "nav_in_more": section in MORE,
        "nav_in_account": section in ACCOUNT,
    }
