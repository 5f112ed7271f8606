"""Pure rules of the handbook: when a page is due for review, which slugs are
free. Plain functions of plain values, tested without a database."""

import calendar
import re
from dataclasses import dataclass
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
        "preview",
        "files",
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


# --- Markdown an editor will not mean --------------------------------------------

LIST_ITEM = re.compile(r"^ {0,3}(?:[-*+]|\d{1,9}[.)])[ \t]+\S")
RULE_LINE = re.compile(r"^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,})$")
HEADING_LINE = re.compile(r"^ {0,3}#{1,6}(?:[ \t]|$)")
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


@dataclass(frozen=True)
class ListWarning:
    line: int  # 1-based, as an editor counts lines
    text: str


def lists_without_blank_line(markdown: str) -> list[ListWarning]:
    """Lines that start a list straight after a line of ordinary text. Markdown
    reads such a list as more of the paragraph above ("Intro:\\n- a\\n- b" is one
    paragraph), so the editor is warned: a blank line before it fixes it. A list
    right after a heading, or inside another list, or in a code block is fine."""
    warnings: list[ListWarning] = []
    block = None  # None (after a blank line), "list", "heading", "text",
    # "swallowed" (a list read as text), or an open code fence
    for number, line in enumerate(markdown.splitlines(), start=1):
        if block is not None and block.startswith(("`", "~")):
            if line.strip().startswith(block) and not line.strip(block[0]).strip():
                block = None
            continue
        if not line.strip():
            block = None
        elif fence := FENCE.match(line):
            block = fence.group(1)
        elif HEADING_LINE.match(line):
            block = "heading"
        elif LIST_ITEM.match(line) and not RULE_LINE.match(line):
            if block == "text":
                warnings.append(ListWarning(line=number, text=line.strip()[:80]))
                block = "swallowed"  # the rest of this list: one warning is enough
            elif block != "swallowed":
                block = "list"
        elif block in (None, "heading"):
            block = "text"
    return warnings


def links_to(markdown: str, address: str) -> bool:
    """Whether the text uses the file at `address` ("/handbook/files/12/"), as a
    path or a full URL, with or without its last slash; ".../files/123/" is
    another file."""
    stem = re.escape(address.rstrip("/"))
    return re.search(rf"{stem}(?![\w-])", markdown or "") is not None
