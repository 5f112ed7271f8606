"""Reading a roster CSV into rows to preview: file-level and per-row errors.

Parsing is pure (lookups are passed in), so it is tested without a database.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from imgportal.csv_import import separator_of

REQUIRED_COLUMNS = ["email", "first_name", "last_name"]
OPTIONAL_COLUMNS = [
    "visa_status",
    "training_stage",
    "specialty",
    "program",
    "home_country",
    "training_start",
    "expected_completion",
]
# Columns the member-list export adds; an exported file re-imports as it is.
IGNORED_COLUMNS = ["status", "joined_at"]
ALL_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
MAX_ROWS = 10_000
MAX_CELL = 255  # no roster value is longer; a longer cell is that row's problem
NOT_TEXT = "\ufffd"  # what `decode` puts where the file had a NUL byte
# The upload is at most 5 MB: let the csv module read a cell of any size, so an
# oversized one is reported on its row instead of stopping the whole file.
csv.field_size_limit(8 * 1024 * 1024)


@dataclass
class RosterRow:
    number: int  # the line in the file, counting the header as line 1
    email: str
    values: dict[str, object] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


@dataclass
class Lookups:
    """Label → stored value maps, lower-cased keys."""

    visa_statuses: dict[str, str]
    stages: dict[str, str]
    specialties: dict[str, int]
    programs: dict[str, int | None]  # None: the name is used by two programs
    countries: dict[str, str]


def decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM) only: other encodings mangle names silently."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            "The file is not UTF-8 text. In Excel choose “CSV UTF-8 (comma "
            "delimited)” when saving, then upload it again."
        ) from exc
    # PostgreSQL keeps no NUL in text: mark it, and the row that holds it is
    # rejected with a message (see `parse`).
    return text.replace("\x00", NOT_TEXT)


def line_count(text: str) -> int:
    """Data rows (lines after the header, blank ones left out), whether the file
    ends lines with LF, CRLF or CR alone (old Excel). A first guess for the
    progress bar before the file is parsed; the preview then counts exactly."""
    return max(sum(1 for line in text.splitlines()[1:] if line.strip()), 0)


def _parse_date(text: str, column: str, errors: list[str]) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.append(f"{column}: “{text}” is not a date like 2026-07-01.")
        return None


def parse(text: str, lookups: Lookups) -> tuple[list[str], list[RosterRow]]:
    """Return (file errors, rows). With file errors there are no rows."""
    # newline="": the csv module itself reads LF, CRLF and CR-only line ends.
    # Commas, or the semicolons and tabs Excel writes in other locales.
    reader = csv.DictReader(
        io.StringIO(text, newline=""), delimiter=separator_of(text, "email")
    )
    try:
        return _parse(reader, lookups)
    except csv.Error as exc:
        return [
            f"Line {reader.line_num}: the portal cannot read this as CSV ({exc})."
        ], []


def _parse(
    reader: csv.DictReader, lookups: Lookups
) -> tuple[list[str], list[RosterRow]]:
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c not in ALL_COLUMNS + IGNORED_COLUMNS]
    file_errors = []
    if missing:
        file_errors.append(f"Missing column(s): {', '.join(missing)}.")
    if unknown:
        file_errors.append(
            f"Unknown column(s): {', '.join(unknown)}. Use: {', '.join(ALL_COLUMNS)}."
        )
    if file_errors:
        return file_errors, []
    reader.fieldnames = header

    rows: list[RosterRow] = []
    first_line_of: dict[str, int] = {}
    for index, record in enumerate(reader, start=2):
        if index - 1 > MAX_ROWS:
            return [f"The file has more than {MAX_ROWS:,} rows."], []
        if None in record:
            row = RosterRow(number=index, email=(record.get("email") or "").strip())
            row.errors.append("This row has more cells than the header.")
            rows.append(row)
            continue
        cells = {
            k: (v or "").strip() for k, v in record.items() if k not in IGNORED_COLUMNS
        }
        if not any(cells.values()):
            continue
        unreadable = _unreadable_cells(cells)
        if unreadable:
            email = cells["email"] if len(cells["email"]) <= MAX_CELL else ""
            row = RosterRow(number=index, email=email.replace(NOT_TEXT, ""))
            row.errors.extend(unreadable)
            rows.append(row)
            continue
        rows.append(_parse_row(index, cells, lookups, first_line_of))
    if not rows:
        return ["The file has a header but no rows."], []
    return [], rows


def _unreadable_cells(cells: dict[str, str]) -> list[str]:
    problems = []
    for column, text in cells.items():
        if len(text) > MAX_CELL:
            problems.append(f"{column}: longer than {MAX_CELL} characters.")
        elif NOT_TEXT in text:
            problems.append(
                f"{column}: holds a NUL byte or a character that is not text."
            )
    return problems


def _parse_row(
    number: int, cells: dict[str, str], lookups: Lookups, first_line_of: dict
) -> RosterRow:
    email = cells["email"].lower()
    row = RosterRow(number=number, email=email)
    errors = row.errors
    try:
        validate_email(email)
    except ValidationError:
        errors.append(f"email: “{cells['email']}” is not an email address.")
    if email in first_line_of:
        errors.append(f"email: the same address is on row {first_line_of[email]}.")
    else:
        first_line_of[email] = number
    for column in ("first_name", "last_name"):
        if not cells[column]:
            errors.append(f"{column}: required.")
        elif len(cells[column]) > 150:
            errors.append(f"{column}: longer than 150 characters.")
        else:
            row.values[column] = cells[column]

    choices = (
        ("visa_status", lookups.visa_statuses, "visa status"),
        ("training_stage", lookups.stages, "training stage"),
        ("home_country", lookups.countries, "country"),
    )
    for column, table, what in choices:
        text = cells.get(column, "")
        if text:
            value = table.get(text.lower())
            if value is None:
                errors.append(f"{column}: unknown {what} “{text}”.")
            else:
                row.values[column] = value
    if text := cells.get("specialty", ""):
        if (specialty_id := lookups.specialties.get(text.lower())) is None:
            errors.append(f"specialty: unknown specialty “{text}”.")
        else:
            row.values["specialty_id"] = specialty_id
    if text := cells.get("program", ""):
        if text.lower() not in lookups.programs:
            errors.append(f"program: no program called “{text}”.")
        elif (program_id := lookups.programs[text.lower()]) is None:
            errors.append(f"program: two programs are called “{text}”.")
        else:
            row.values["program_id"] = program_id
    for column in ("training_start", "expected_completion"):
        if text := cells.get(column, ""):
            parsed = _parse_date(text, column, errors)
            if parsed:
                row.values[column] = parsed
    start, end = row.values.get("training_start"), row.values.get("expected_completion")
    if start and end and end <= start:
        errors.append("expected_completion: must come after training_start.")
    return row
