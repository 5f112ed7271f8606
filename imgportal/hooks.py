"""Every plug-in point of the portal, in one place.

A lower layer never imports a higher one. When it must call up, it reads one of
the registries below, and the higher app fills it from its own `hooks.py`,
called by its `AppConfig.ready()` (so registration does not depend on which
module happened to be imported first). `python manage.py hooks` prints what
every app registered.

| registry | who reads it | an entry is |
| --- | --- | --- |
| OUTBOX | members (below notifications) | the outbox's functions, by name |
| PERSONAL_DATA | the data download and erase | `PersonalData(models, export, erase)` |
| STALE_CHECKS | the outbox, at send time | `check(**args) -> bool` (still true?) |
| DIGEST_SECTIONS | the weekly digest | `section(since) -> (title, lines) or None` |
| MEMBER_DIGEST_SECTIONS | each member's digest | `section(member, since)`, as above |
| PORTFOLIO_ENTRIES | the leadership portfolio | `entries(member) -> [PortfolioEntry]` |
| CALENDAR_ENTRIES | the personal calendar feed | `entries(member) -> [VEVENT]` |
| HEALTH_CHECKS | /healthz/deep and the System page | `reading(now) -> MailReading` |
| BOUNCED_MESSAGES | the bounce reader | `bounced(message_id, reason=) -> member id` |
"""

from collections.abc import Iterator


class Registry:
    """Named entries, each registered by one app; a second `ready()` replaces."""

    def __init__(self, name: str, doc: str) -> None:
        self.name = name
        self.doc = doc
        self._entries: dict[str, tuple[str, object]] = {}

    def register(self, app: str, key: str, value: object) -> object:
        self._entries[key] = (app, value)
        return value

    def get(self, key: str, default: object = None) -> object:
        entry = self._entries.get(key)
        return entry[1] if entry else default

    def values(self) -> list:
        return [value for _app, value in self._entries.values()]

    def items(self) -> Iterator[tuple[str, str, object]]:
        """(app, key, value) in registration order."""
        for key, (app, value) in self._entries.items():
            yield app, key, value

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)


OUTBOX = Registry(
    "outbox",
    "The outbox (notifications) lends members its queueing functions.",
)
PERSONAL_DATA = Registry(
    "personal_data",
    "What each app holds about a member: its download section and its erase.",
)
STALE_CHECKS = Registry(
    "stale_checks",
    "kind → check(**args): is a queued email still true when it is due?",
)
DIGEST_SECTIONS = Registry(
    "digest_sections",
    "A section of the weekly digest: section(since) → (title, lines) or None.",
)
MEMBER_DIGEST_SECTIONS = Registry(
    "member_digest_sections",
    "A member's own part of the weekly digest (their shortlist closing, their "
    "follow-ups due, their empty board seats): section(member, since) → "
    "(title, lines) or None. Only that member's digest carries it.",
)
PORTFOLIO_ENTRIES = Registry(
    "portfolio_entries",
    "Lines of a member's leadership portfolio that the portal knows without "
    "typing (events they organised or spoke at): entries(member) → "
    "[PortfolioEntry].",
)
CALENDAR_ENTRIES = Registry(
    "calendar_entries",
    "A member's own entries in their personal calendar feed: entries(member).",
)

BOUNCED_MESSAGES = Registry(
    "bounced_messages",
    "A bounce quotes a Message-ID: bounced(message_id, reason=) marks the app's "
    "row and returns the member it was sent to, or None if the message is not its.",
)
HEALTH_CHECKS = Registry(
    "health_checks",
    "Outgoing mail for the deep health check: reading(now) → MailReading "
    "(the oldest message still waiting, failures in the last day).",
)

ALL = [
    OUTBOX,
    PERSONAL_DATA,
    STALE_CHECKS,
    DIGEST_SECTIONS,
    MEMBER_DIGEST_SECTIONS,
    PORTFOLIO_ENTRIES,
    CALENDAR_ENTRIES,
    BOUNCED_MESSAGES,
    HEALTH_CHECKS,
]
