"""The one way the portal writes a CSV: every cell spreadsheet-safe.

A cell that starts with = + - @ tab or CR is run as a formula by Excel, Numbers
and LibreOffice (OWASP "CSV injection"); a leading apostrophe makes them show it
as text. Every export goes through `csv_response`, header included, so no view
can forget a column.
"""

import csv
from collections.abc import Iterable
from datetime import date, datetime

from django.http import HttpResponse
from django.utils import timezone

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def cell_text(value: object) -> str:
    """Dates and times in ISO 8601 (2026-02-10, 2026-02-10T18:00:00-05:00, in
    the portal's time zone), which every spreadsheet reads whatever its
    locale; the pages write "Tue 10 Feb 2026, 18:00" instead (issue 22)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def spreadsheet_safe(value: object) -> str:
    """A CSV cell a spreadsheet will show as text, never run as a formula."""
    text = cell_text(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def csv_response(
    filename: str, header: Iterable[object], rows: Iterable[Iterable[object]]
) -> HttpResponse:
    """An attachment `filename` with `header` then `rows`, every cell made safe."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow([spreadsheet_safe(cell) for cell in header])
    for row in rows:
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    return response
