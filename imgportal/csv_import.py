"""Reading an uploaded spreadsheet saved as text: which separator it uses.

Excel writes commas in English locales, semicolons where the comma is the
decimal mark (much of Europe and Latin America), and tabs for "Unicode text"
(UTF-16). The header line decides: the separator under which it names the
column every import needs, and splits into the most columns."""

import csv

SEPARATORS = (",", ";", "\t")


def separator_of(text: str, needed: str) -> str:
    """The separator of `text`'s first line (a comma when none fits)."""
    first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    best, most = ",", 0
    for separator in SEPARATORS:
        try:
            cells = next(csv.reader([first], delimiter=separator), [])
        except csv.Error:
            continue
        names = {" ".join(c.split()).casefold() for c in cells}
        if needed in names and len(cells) > most:
            best, most = separator, len(cells)
    return best
