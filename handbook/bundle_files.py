"""The files inside a handbook bundle (`bundle_format.py` reads the zip): a
page file (front matter between two `---` lines, then the Markdown exactly as
saved) and the wait-time table (`visa_wait_times.csv`). Written by export, and
parsed back strictly: each problem names its line and field."""

import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError

from handbook.models import Chapter, Page, Revision, VisaTimeline
from handbook.timelines import TIMELINE_FIELDS
from imgportal.csv_export import FORMULA_PREFIXES

# Page front matter, in the order export writes it.
TITLE, CHAPTER, ORDER = "title", "chapter", "order"
INTERVAL, VERIFIED, MEMBERS_ONLY = (
    "review-interval-months",
    "verified-on",
    "members-only",
)
FRONT_MATTER = (TITLE, CHAPTER, ORDER, INTERVAL, VERIFIED, MEMBERS_ONLY)
OPTIONAL = {MEMBERS_ONLY: "false"}
# The CSV header is the timeline's own field names.
CSV_COLUMNS = TIMELINE_FIELDS


@dataclass(frozen=True)
class PageData:
    path: str
    chapter: str
    slug: str
    title: str
    order: int
    review_interval_months: int
    verified_on: date | None
    members_only: bool
    body: str

    @property
    def key(self) -> str:
        return f"{self.chapter}/{self.slug}"


@dataclass(frozen=True)
class TimelineData:
    line: int
    values: dict

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.values["country"], self.values["visa_type"], self.values["post"])


def _messages(error: ValidationError) -> str:
    return " ".join(error.messages)


def check_field(model, name: str, value, label: str, problems: list[str]) -> None:
    """The model field's own rules (length, choices, validators) on `value`."""
    model_field = model._meta.get_field(name)
    # A TextField's max_length is only a form's: checked here.
    most = model_field.max_length
    if isinstance(value, str) and most and len(value) > most:
        problems.append(f"{label}: {len(value):,} characters, the most is {most:,}")
        return
    try:
        model_field.clean(value, None)
    except ValidationError as error:
        problems.append(f"{label}: {_messages(error)}")


# --- Pages: front matter and Markdown ------------------------------------------


def _value_text(value: str) -> str:
    """A front matter value as written: plain, or JSON-quoted when plain would
    not read back the same (spaces at the ends, a quote first, a line break)."""
    if value != value.strip() or value.startswith('"') or "\n" in value or not value:
        return json.dumps(value, ensure_ascii=False)
    return value


def page_text(
    *,
    title: str,
    chapter: str,
    order: int,
    review_interval_months: int,
    verified_on: date | None,
    members_only: bool,
    body: str,
) -> str:
    """A page file: front matter, then the Markdown exactly as it was saved."""
    fields = {
        TITLE: _value_text(title),
        CHAPTER: chapter,
        ORDER: str(order),
        INTERVAL: str(review_interval_months),
        VERIFIED: verified_on.isoformat() if verified_on else "",
        MEMBERS_ONLY: "true" if members_only else "false",
    }
    lines = [f"{key}: {value}".rstrip() for key, value in fields.items()]
    return "---\n" + "\n".join(lines) + "\n---\n" + body


def _front_matter(text: str) -> tuple[dict[str, tuple[int, str]], str] | str:
    """The fields (with their line numbers) and the body, or what is wrong."""
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        return "line 1: a page starts with front matter: a line '---', then fields"
    end = next((n for n, line in enumerate(lines[1:], 1) if line.rstrip() == "---"), 0)
    if not end:
        return "front matter is never closed: no second '---' line after the fields"
    fields: dict[str, tuple[int, str]] = {}
    for number, line in enumerate(lines[1:end], start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, colon, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if not colon or not key:
            return f"line {number}: expected 'field: value', not {line.strip()!r:.60}"
        if key not in FRONT_MATTER:
            return (
                f"line {number}: unknown field {key!r} "
                f"(known: {', '.join(FRONT_MATTER)})"
            )
        if key in fields:
            return f"line {number}: {key} is given twice"
        if value.startswith('"'):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                return f"line {number}: {key}: the quoted value is not closed properly"
            if not isinstance(value, str):
                return f"line {number}: {key}: a quoted value must be text"
        fields[key] = (number, value)
    return fields, "\n".join(lines[end + 1 :])


def parse_page(shown: str, folder: str, slug: str, text: str) -> PageData | str:
    """A page file, or what is wrong with it (with the line and field)."""
    wrong: list[str] = []
    check_field(Chapter, "slug", folder, f"the folder name {folder!r}", wrong)
    check_field(Page, "slug", slug, f"the file name {slug!r}", wrong)
    if wrong:
        return "; ".join(wrong)
    parsed = _front_matter(text.replace("\r\n", "\n"))
    if isinstance(parsed, str):
        return parsed
    fields, body = parsed
    if missing := [k for k in FRONT_MATTER if k not in fields and k not in OPTIONAL]:
        return f"front matter: {', '.join(missing)} missing"
    values = {key: fields[key][1] for key in fields}
    values = {**OPTIONAL, **values}

    def at(key: str) -> str:
        line = fields.get(key, (0, ""))[0]
        return f"line {line}: {key}" if line else key

    title = values[TITLE].strip()
    if not title:
        wrong.append(f"{at(TITLE)}: the page needs a title")
    check_field(Revision, "title", title or "-", at(TITLE), wrong)
    if values[CHAPTER] != folder:
        wrong.append(
            f"{at(CHAPTER)}: says {values[CHAPTER]!r} but the file is in the "
            f"folder {folder!r}"
        )
    order = whole_number(values[ORDER])
    if order is None:
        wrong.append(f"{at(ORDER)}: must be a whole number, not {values[ORDER]!r:.40}")
    else:
        check_field(Page, "order", order, at(ORDER), wrong)
    interval = whole_number(values[INTERVAL])
    if interval is None or interval not in {3, 6, 12, 24}:
        wrong.append(
            f"{at(INTERVAL)}: must be 3, 6, 12 or 24 (months), "
            f"not {values[INTERVAL]!r:.40}"
        )
    verified = None
    if values[VERIFIED]:
        try:
            verified = date.fromisoformat(values[VERIFIED])
        except ValueError:
            wrong.append(
                f"{at(VERIFIED)}: must be a date written 2026-03-31 (or left "
                f"empty), not {values[VERIFIED]!r:.40}"
            )
    members_only = yes_no(values[MEMBERS_ONLY])
    if members_only is None:
        wrong.append(
            f"{at(MEMBERS_ONLY)}: must be true or false, "
            f"not {values[MEMBERS_ONLY]!r:.40}"
        )
    if not body.strip():
        wrong.append("the page has no text after its front matter")
    check_field(Revision, "body", body, "the text", wrong)
    if wrong:
        return "; ".join(wrong)
    return PageData(
        path=shown,
        chapter=folder,
        slug=slug,
        title=title,
        order=order,
        review_interval_months=interval,
        verified_on=verified,
        members_only=members_only,
        body=body,
    )


def whole_number(text: str) -> int | None:
    return int(text) if re.fullmatch(r"[0-9]{1,6}", text) else None


def yes_no(text: str) -> bool | None:
    return {"true": True, "false": False}.get(text.strip().lower())


# --- visa_wait_times.csv ------------------------------------------------------


def _cell_out(value: str) -> str:
    """Spreadsheet-safe (a leading apostrophe before = + - @), and reversible:
    an apostrophe already there gets one more, so reading takes exactly one off."""
    return "'" + value if value.lstrip("'").startswith(FORMULA_PREFIXES) else value


def _cell_in(value: str) -> str:
    if value.startswith("'") and value.lstrip("'").startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def timelines_csv(rows: Iterable[dict]) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(
            _cell_out(
                ("true" if row[c] else "false")
                if c == "is_example"
                else (row[c].isoformat() if c == "last_verified" else str(row[c]))
            )
            for c in CSV_COLUMNS
        )
    return out.getvalue()


def parse_timelines(text: str, shown: str, problems: list) -> list[TimelineData]:
    reader = csv.reader(io.StringIO(text, newline=""))
    rows, seen, start = [], {}, 1
    try:
        header = [cell.strip() for cell in next(reader, [])]
        if not header:
            problems.append(
                (shown, f"is empty: it starts with the header row {CSV_COLUMNS}")
            )
            return []
        missing = [c for c in CSV_COLUMNS if c not in header]
        unknown = [c for c in header if c not in CSV_COLUMNS]
        if missing or unknown or len(set(header)) != len(header):
            problems.append(
                (
                    shown,
                    "line 1: the header must name the columns "
                    f"{', '.join(CSV_COLUMNS)} once each"
                    + (f" ({', '.join(missing)} missing)" if missing else "")
                    + (f" (unknown: {', '.join(unknown)})" if unknown else ""),
                )
            )
            return []
        start = reader.line_num + 1
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            row = _parse_timeline(cells, header, line)
            if isinstance(row, str):
                problems.append((f"{shown} line {line}", row))
            elif row.key in seen:
                problems.append(
                    (f"{shown} line {line}", f"repeats line {seen[row.key]}")
                )
            else:
                seen[row.key] = line
                rows.append(row)
    except csv.Error as error:
        problems.append((f"{shown} line {reader.line_num}", f"not valid CSV ({error})"))
    return rows


def _parse_timeline(cells: list[str], header: list[str], line: int):
    if len(cells) != len(header):
        return f"has {len(cells)} cells: the header has {len(header)}"
    raw = {column: _cell_in(cell) for column, cell in zip(header, cells, strict=True)}
    wrong: list[str] = []
    values: dict = {
        "country": raw["country"].strip().upper(),
        "visa_type": raw["visa_type"].strip(),
        "post": raw["post"].strip(),
        "processing_notes": raw["processing_notes"],
        "source_url": raw["source_url"].strip(),
    }
    values["wait_days"] = whole_number(raw["wait_days"].strip())
    if values["wait_days"] is None or values["wait_days"] > 1000:
        wrong.append(
            f"wait_days: must be a whole number of days up to 1000, "
            f"not {raw['wait_days']!r:.40}"
        )
    try:
        values["last_verified"] = date.fromisoformat(raw["last_verified"].strip())
    except ValueError:
        wrong.append(
            f"last_verified: must be a date written 2026-03-31, "
            f"not {raw['last_verified']!r:.40}"
        )
    values["is_example"] = yes_no(raw["is_example"])
    if values["is_example"] is None:
        wrong.append(
            f"is_example: must be true or false, not {raw['is_example']!r:.40}"
        )
    for column in ("country", "visa_type", "post", "processing_notes", "source_url"):
        check_field(VisaTimeline, column, values[column], column, wrong)
    if wrong:
        return "; ".join(wrong)
    return TimelineData(line=line, values=values)
