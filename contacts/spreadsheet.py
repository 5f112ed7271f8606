"""The contacts log as a spreadsheet: decoding an upload, reading its rows, and
the columns an export writes (so an exported file imports again as it is).

Pure: no database. Every problem is a message: file-level ones (the whole file
is refused) or a row's own (that row is listed on the preview).
"""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from imgportal.csv_export import FORMULA_PREFIXES
from imgportal.csv_import import separator_of

COLUMNS = [
    "Name",
    "Role",
    "Institution",
    "Where met",
    "What was discussed",
    "Last contact",
    "Next follow-up",
    "Tags",
]
KEYS = {
    "name": "name",
    "role": "role",
    "institution": "institution",
    "where met": "where_met",
    "what was discussed": "discussed",
    "last contact": "last_contact_on",
    "next follow-up": "follow_up_on",
    "tags": "tags",
}
MAX_ROWS = 2_000
MAX_TEXT = 200
MAX_DISCUSSED = 5_000
TAG_MAX = 40
MAX_TAGS = 20
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y")
NOT_TEXT = "\ufffd"
# Uploads are at most 5 MB: let a huge cell reach its row's check.
csv.field_size_limit(8 * 1024 * 1024)


@dataclass
class Row:
    number: int  # the line in the file, the header being line 1
    name: str
    values: dict[str, object] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def decode(raw: bytes) -> tuple[str, str]:
    """(text, what it was read as). UTF-8 with or without BOM, UTF-16 with a
    BOM (Excel's "Unicode text"), else Windows-1252 (Excel's plain "CSV" on
    Windows; a superset of Latin-1 for letters). Never fails: a NUL becomes a
    mark its row is refused for."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text, encoding = raw.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            text, encoding = raw.decode("utf-16", errors="replace"), "UTF-16"
    else:
        try:
            text, encoding = raw.decode("utf-8-sig"), "UTF-8"
        except UnicodeDecodeError:
            try:
                text, encoding = raw.decode("cp1252"), "Windows-1252"
            except UnicodeDecodeError:
                text, encoding = raw.decode("latin-1"), "Latin-1"
    return text.replace("\x00", NOT_TEXT), encoding


def parse_date(text: str) -> date | None:
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a date
        except ValueError:
            continue
    return None


def split_tags(text: str) -> list[str]:
    """Tags as typed, split on commas or semicolons, each once (any case)."""
    tags: list[str] = []
    seen = set()
    for part in re.split(r"[,;]", text):
        tag = " ".join(part.split())
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)
    return tags


def where_met_cell(where_met_label: str, detail: str) -> str:
    """How "where met" reads in a spreadsheet: "Conference: ACP 2026"."""
    if where_met_label and detail:
        return f"{where_met_label}: {detail}"
    return where_met_label or detail


def read_where_met(text: str, choices: dict[str, str]) -> tuple[str, str]:
    """(choice, detail) from a cell: "Interview", "Conference: ACP 2026", or any
    other text (kept as the detail of "Other")."""
    head, _sep, rest = text.partition(":")
    for candidate, detail in ((text, ""), (head, rest)):
        choice = choices.get(" ".join(candidate.split()).casefold())
        if choice:
            return choice, detail.strip()
    return "other", text


def unquote(text: str) -> str:
    """Undo the export's formula guard: "'=1+1" reads back as "=1+1"."""
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


def duplicate_key(name: str, institution: str) -> str:
    return (
        " ".join(name.split()).casefold()
        + "|"
        + " ".join(institution.split()).casefold()
    )


def parse(text: str, where_met_choices: dict[str, str]) -> tuple[list[str], list[Row]]:
    """Return (file errors, rows). With file errors there are no rows. Commas,
    semicolons or tabs (Excel's "Unicode text") separate the cells."""
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=separator_of(text, "name")
    )
    try:
        return _parse(reader, where_met_choices)
    except csv.Error as exc:
        return [f"Line {reader.line_num}: this can't be read as CSV ({exc})."], []


def _parse(reader, where_met_choices) -> tuple[list[str], list[Row]]:
    header = next(reader, None)
    if header is None:
        return ["The file is empty."], []
    names = [" ".join(h.split()).casefold() for h in header]
    unknown = [h for h, n in zip(header, names, strict=True) if n not in KEYS and n]
    if "name" not in names:
        return [
            "The first line must name the columns, with at least “Name”. "
            f"Use: {', '.join(COLUMNS)}."
        ], []
    if unknown:
        shown = ", ".join(f"“{h[:40]}”" for h in unknown[:5])
        return [f"Unknown column(s): {shown}. Use: {', '.join(COLUMNS)}."], []
    if len(set(names) - {""}) != len([n for n in names if n]):
        return ["A column is named twice in the first line."], []
    keys = [KEYS.get(n) for n in names]
    rows: list[Row] = []
    for number, cells in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            return [
                f"The file has more than {MAX_ROWS:,} rows. Split it into files of "
                f"up to {MAX_ROWS:,} rows and import each."
            ], []
        if not any(c.strip() for c in cells):
            continue
        rows.append(_row(number, keys, cells, where_met_choices))
    if not rows:
        return ["The file has a header but no rows."], []
    return [], rows


def _row(number: int, keys: list, cells: list[str], where_met_choices) -> Row:
    if len(cells) > len(keys) and any(c.strip() for c in cells[len(keys) :]):
        return Row(number, "", problems=["This row has more cells than the header."])
    record = {
        key: unquote(cells[i].strip()) if i < len(cells) else ""
        for i, key in enumerate(keys)
        if key
    }
    name = record.get("name", "")
    row = Row(number, name[:MAX_TEXT].replace(NOT_TEXT, ""))
    problems = row.problems
    for key, text in record.items():
        if NOT_TEXT in text:
            problems.append(f"{_column(key)}: holds a character that is not text.")
    if problems:
        return row
    if not name:
        problems.append("Name: required.")
    for key in ("name", "role", "institution"):
        text = record.get(key, "")
        if len(text) > MAX_TEXT:
            problems.append(f"{_column(key)}: longer than {MAX_TEXT} characters.")
        else:
            row.values[key] = text
    where = record.get("where_met", "")
    if where:
        choice, detail = read_where_met(where[: MAX_TEXT + 100], where_met_choices)
        if len(where) > MAX_TEXT + 100 or len(detail) > MAX_TEXT:
            problems.append(f"Where met: longer than {MAX_TEXT} characters.")
        else:
            row.values["where_met"], row.values["where_met_detail"] = choice, detail
    discussed = record.get("discussed", "")
    if len(discussed) > MAX_DISCUSSED:
        problems.append(
            f"What was discussed: longer than {MAX_DISCUSSED:,} characters."
        )
    else:
        row.values["discussed"] = discussed
    for key in ("last_contact_on", "follow_up_on"):
        text = record.get(key, "")
        if not text:
            continue
        parsed = parse_date(text)
        if parsed is None:
            problems.append(
                f"{_column(key)}: “{text[:40]}” is not a date like 2026-07-01 "
                "or 7/1/2026."
            )
        elif not date(1950, 1, 1) <= parsed <= date(2100, 12, 31):
            problems.append(f"{_column(key)}: {parsed:%-d %b %Y}? Check the year.")
        else:
            row.values[key] = parsed
    tags = split_tags(record.get("tags", ""))
    if len(tags) > MAX_TAGS:
        problems.append(f"Tags: more than {MAX_TAGS} tags.")
    elif any(len(t) > TAG_MAX for t in tags):
        problems.append(f"Tags: a tag is longer than {TAG_MAX} characters.")
    else:
        row.values["tags"] = tags
    return row


def _column(key: str) -> str:
    return COLUMNS[list(KEYS.values()).index(key)]
