"""A member's leadership portfolio, assembled: the roles they recorded, their
co-lead terms, and what other apps know (events organised or spoken at,
through the PORTFOLIO_ENTRIES hook), in the order and date format CVs use."""

from dataclasses import dataclass
from datetime import date

from imgportal.hooks import PORTFOLIO_ENTRIES
from imgportal.identity import group_identity
from members.models import CoLeadTerm, LeadershipRole, Member

SECTIONS = ("Leadership roles", "Events organised", "Presentations and panels")


@dataclass(frozen=True)
class PortfolioEntry:
    section: str  # one of SECTIONS
    role: str  # "Chief resident", "Organiser", "Panelist"
    title: str
    start: date
    end: date | None = None  # None: ongoing (or a single day, when `one_day`)
    outcome: str = ""
    one_day: bool = False

    @property
    def dates(self) -> str:
        """ "Jul 2024 – Jun 2025", "Jul 2025 – present", or "12 Mar 2026"."""
        if self.one_day:
            return cv_date(self.start, day=True)
        if self.end is None:
            return f"{cv_date(self.start)} – present"
        if (self.start.year, self.start.month) == (self.end.year, self.end.month):
            return cv_date(self.start)
        return f"{cv_date(self.start)} – {cv_date(self.end)}"


def cv_date(on: date, *, day: bool = False) -> str:
    return on.strftime("%-d %b %Y" if day else "%b %Y")


def portfolio(member: Member) -> list[PortfolioEntry]:
    """Everything, newest first within each section."""
    roles = list(LeadershipRole.objects.filter(member=member))
    entries = [
        PortfolioEntry(
            section=SECTIONS[0],
            role=str(role.get_kind_display()),
            title=role.title,
            start=role.start,
            end=role.end,
            outcome=role.outcome,
        )
        for role in roles
    ]
    typed = {r.start for r in roles if r.kind == LeadershipRole.Kind.IMG_CO_LEAD}
    group = group_identity()
    entries += [
        PortfolioEntry(
            section=SECTIONS[0],
            role="IMG group co-lead",
            title=group.full_name,
            start=term.start,
            end=term.end,
        )
        for term in CoLeadTerm.objects.filter(member=member)
        # A co-lead who also typed the role in keeps one line for it.
        if term.start not in typed
    ]
    for entries_for in PORTFOLIO_ENTRIES.values():
        entries += entries_for(member)
    order = {name: index for index, name in enumerate(SECTIONS)}
    entries.sort(key=lambda e: (order.get(e.section, 9), -e.start.toordinal()))
    return entries


def by_section(entries: list[PortfolioEntry]) -> list[tuple[str, list[PortfolioEntry]]]:
    return [
        (name, [e for e in entries if e.section == name])
        for name in SECTIONS
        if any(e.section == name for e in entries)
    ]
