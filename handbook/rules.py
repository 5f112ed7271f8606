"""Pure rules of the handbook: when a page is due for review, which slugs are
free. Plain functions of plain values, tested without a database."""

import calendar
from datetime import date

VISA_REVIEW_MONTHS = 6
DEFAULT_REVIEW_MONTHS = 12
# Warn editors this long before a page falls due, so the review can be planned.
DUE_SOON_DAYS = 14
# Chapter slugs that would collide with the handbook's own pages.
RESERVED_SLUGS = frozenset(
    {
        "search",
        "changes",
        "reviews",
        "editors",
        "visa-timelines",
        "chapters",
        "revisions",
        "diff",
        "new",
        "print",
    }
)


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months, clamped to the month's end (31 Aug + 6 → 28 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def review_interval_for(*, visa_chapter: bool) -> int:
    """Visa advice goes stale fastest: six months; everything else a year."""
    return VISA_REVIEW_MONTHS if visa_chapter else DEFAULT_REVIEW_MONTHS


def review_due_on(last_reviewed: date | None, months: int) -> date | None:
    return None if last_reviewed is None else add_months(last_reviewed, months)


def is_stale(due: date | None, today: date) -> bool:
    """Past its review date: readers are warned to check the official source."""
    return due is not None and due < today
