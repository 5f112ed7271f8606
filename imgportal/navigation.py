"""Which part of the portal a page belongs to, for the navigation bar's
`aria-current` and its visible "you are here" (issue 22).

Sections are found from the path, most specific first: the staff pages that
live under a feature's prefix (`/events/report/`, `/handbook/reviews/`…)
belong to the Manage menu, the rest to their feature's link."""

import re

SECTIONS: tuple[tuple[str, re.Pattern], ...] = tuple(
    (key, re.compile(pattern))
    for key, pattern in (
        (
            "manage",
            r"^/members/(manage|dashboard|join-requests|handoff|deletion-requests)/"
            r"|^/members/\d+/edit/",
        ),
        ("manage", r"^/newsletters/manage/"),
        ("manage", r"^/events/(new|report)"),
        ("manage", r"^/mentorship/(rounds|proposals|overview|bars)"),
        ("manage", r"^/status/totals/"),
        ("manage", r"^/handbook/(reviews|editors)/"),
        ("manage", r"^/leadership/suggestions/"),
        ("manage", r"^/(admin|system)/"),
        ("profile", r"^/members/me/"),
        ("about", r"^/members/about/"),
        ("pending", r"^/members/pending/"),
        ("directory", r"^/members/"),
        ("status", r"^/status/"),
        ("events", r"^/events/"),
        ("handbook", r"^/handbook/"),
        ("mentoring", r"^/mentorship/"),
        ("leadership", r"^/leadership/"),
        ("contacts", r"^/contacts/"),
        ("account", r"^/newsletters/(preferences|unsubscribe)"),
        ("newsletters", r"^/newsletters/"),
        ("account", r"^/accounts/"),
        ("home", r"^/$"),
    )
)

# Links that sit inside a dropdown: the dropdown's toggle shows the section.
MORE = frozenset({"newsletters", "about"})
ACCOUNT = frozenset({"account", "profile", "contacts"})


def section_for(path: str) -> str:
    for key, pattern in SECTIONS:
        if pattern.search(path):
            return key
    return ""
