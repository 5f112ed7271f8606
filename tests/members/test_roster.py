"""Roster CSV parsing: file-level problems and per-row errors (no database)."""

import pytest
from django.core.exceptions import ValidationError

from members.roster import Lookups, decode, parse

LOOKUPS = Lookups(
    visa_statuses={"j-1": "j1", "j1": "j1", "h-1b": "h1b", "h1b": "h1b"},
    stages={"pgy-1": "pgy1", "pgy1": "pgy1", "fellow": "fellow"},
    specialties={"internal medicine": 7},
    programs={"im residency": 3, "shared name": None},
    countries={"in": "IN", "india": "IN", "ng": "NG"},
)
HEADER = "email,first_name,last_name,visa_status,training_stage,specialty,home_country"


def rows_of(text):
    file_errors, rows = parse(text, LOOKUPS)
    assert file_errors == []
    return rows


def test_a_good_row_is_parsed_into_stored_values():
    (row,) = rows_of(
        f"{HEADER}\nAna@Example.org,Ana,Silva,J-1,PGY-1,Internal Medicine,India\n"
    )
    assert row.number == 2
    assert row.email == "ana@example.org"
    assert row.errors == []
    assert row.values == {
        "first_name": "Ana",
        "last_name": "Silva",
        "visa_status": "j1",
        "training_stage": "pgy1",
        "specialty_id": 7,
        "home_country": "IN",
    }


def test_a_semicolon_separated_roster_is_read_too():
    """Excel in much of Europe and Latin America saves "CSV" with semicolons."""
    text = HEADER.replace(",", ";") + "\nana@example.org;Ana;Silva;J-1;PGY-1;;India\n"
    (row,) = rows_of(text)
    assert row.email == "ana@example.org" and row.errors == []
    assert row.values["visa_status"] == "j1"


def test_wrong_columns_are_a_file_error():
    errors, rows = parse("mail,name\nana@example.org,Ana\n", LOOKUPS)
    assert rows == []
    assert any("Missing column(s): email, first_name, last_name" in e for e in errors)
    assert any("Unknown column(s): mail, name" in e for e in errors)


def test_unknown_visa_status_is_a_row_error_with_its_row_number():
    rows = rows_of(
        f"{HEADER}\nana@example.org,Ana,Silva,J-1,,,\nbo@example.org,Bo,Li,Z-9,,,\n"
    )
    assert rows[0].errors == []
    assert rows[1].number == 3
    assert rows[1].errors == ["visa_status: unknown visa status “Z-9”."]


def test_duplicate_emails_in_the_file_point_at_the_first_row():
    rows = rows_of(
        f"{HEADER}\nana@example.org,Ana,Silva,,,,\nANA@example.org,Ana,S,,,,\n"
    )
    assert rows[1].errors == ["email: the same address is on row 2."]


def test_dates_must_be_iso_and_completion_after_start():
    rows = rows_of(
        "email,first_name,last_name,training_start,expected_completion\n"
        "ana@example.org,Ana,Silva,01/07/2026,2029-06-30\n"
        "bo@example.org,Bo,Li,2026-07-01,2025-06-30\n"
    )
    assert (
        "training_start: “01/07/2026” is not a date like 2026-07-01." in rows[0].errors
    )
    assert "expected_completion: must come after training_start." in rows[1].errors


def test_ambiguous_or_unknown_program_is_an_error():
    rows = rows_of(
        "email,first_name,last_name,program\n"
        "ana@example.org,Ana,Silva,Shared name\nbo@example.org,Bo,Li,Nope\n"
    )
    assert rows[0].errors == ["program: two programs are called “Shared name”."]
    assert rows[1].errors == ["program: no program called “Nope”."]


def test_missing_names_and_bad_email_are_errors():
    (row,) = rows_of(f"{HEADER}\nnot-an-email,,Silva,,,,\n")
    assert "email: “not-an-email” is not an email address." in row.errors
    assert "first_name: required." in row.errors


def test_extra_cells_are_an_error_not_a_shift():
    (row,) = rows_of("email,first_name,last_name\nana@example.org,Ana,Silva,extra\n")
    assert row.errors == ["This row has more cells than the header."]


def test_blank_lines_are_skipped_and_an_empty_file_is_an_error():
    assert len(rows_of(f"{HEADER}\n\nana@example.org,Ana,Silva,,,,\n\n")) == 1
    errors, _ = parse(f"{HEADER}\n", LOOKUPS)
    assert errors == ["The file has a header but no rows."]


def test_utf8_with_bom_is_read_and_other_encodings_are_refused():
    assert decode("\ufeffemail\n".encode()) == "email\n"
    assert decode("Müller".encode()) == "Müller"
    with pytest.raises(ValidationError, match="not UTF-8"):
        decode("Müller".encode("utf-16"))
    with pytest.raises(ValidationError, match="not UTF-8"):
        decode("Müller".encode("latin-1"))
