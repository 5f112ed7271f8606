"""Pure rules: rollover, spreadsheet-safe cells, academic years (no database)."""

from datetime import date

import pytest

from imgportal.csv_export import spreadsheet_safe
from members.rules import (
    academic_year_of,
    academic_year_start,
    rolled_over,
)

JULY_1 = date(2026, 7, 1)


@pytest.mark.parametrize(
    ("stage", "expected"),
    [("pgy1", "pgy2"), ("pgy3", "pgy4"), ("pgy7", "pgy8"), ("pgy8", "pgy8")],
)
def test_residents_move_up_one_pgy_year(stage, expected):
    assert rolled_over(
        stage=stage, status="active", expected_completion=None, on=JULY_1
    ) == (expected, "active")


def test_members_whose_completion_has_come_become_alumni():
    assert rolled_over(
        stage="pgy3", status="active", expected_completion=date(2026, 6, 30), on=JULY_1
    ) == ("alumni", "alumni")


def test_completion_next_year_still_moves_up():
    assert rolled_over(
        stage="pgy2", status="active", expected_completion=date(2027, 6, 30), on=JULY_1
    ) == ("pgy3", "active")


@pytest.mark.parametrize("stage", ["fellow", "faculty", ""])
def test_fellows_faculty_and_unknown_stages_stay(stage):
    assert rolled_over(
        stage=stage, status="active", expected_completion=None, on=JULY_1
    ) == (stage, "active")


@pytest.mark.parametrize("status", ["pending", "inactive", "alumni"])
def test_only_active_members_roll_over(status):
    assert rolled_over(
        stage="pgy1", status=status, expected_completion=date(2020, 1, 1), on=JULY_1
    ) == ("pgy1", status)


@pytest.mark.parametrize(
    "cell", ['=HYPERLINK("x")', "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
)
def test_formula_cells_are_neutralised(cell):
    assert spreadsheet_safe(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Ana", "J-1", "2026-07-01", "", None, 5])
def test_ordinary_cells_are_unchanged(cell):
    assert spreadsheet_safe(cell) == ("" if cell is None else str(cell))


def test_academic_year_turns_over_on_1_july():
    assert academic_year_start(2026) == JULY_1
    assert academic_year_of(date(2026, 6, 30)) == 2025
    assert academic_year_of(date(2026, 7, 1)) == 2026
