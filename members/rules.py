"""Pure rules about members: no database, tested with plain values."""

from datetime import date

PGY_STAGES = ["pgy1", "pgy2", "pgy3", "pgy4", "pgy5", "pgy6", "pgy7", "pgy8"]
ACTIVE, ALUMNI = "active", "alumni"


def academic_year_start(year: int) -> date:
    """The academic year runs 1 July to 30 June."""
    return date(year, 7, 1)


def academic_year_of(day: date) -> int:
    return day.year if day >= date(day.year, 7, 1) else day.year - 1


def rolled_over(
    *, stage: str, status: str, expected_completion: date | None, on: date
) -> tuple[str, str]:
    """Stage and status after the rollover taking effect `on` (1 July).

    Active members whose completion date has come become alumni; PGY-n becomes
    PGY-(n+1), PGY-8 stays (it means 8 and beyond); fellows, faculty and members
    without a stage keep theirs. Anyone not active is left alone.
    """
    if status != ACTIVE:
        return stage, status
    if expected_completion is not None and expected_completion <= on:
        return ALUMNI, ALUMNI
    if stage in PGY_STAGES[:-1]:
        return PGY_STAGES[PGY_STAGES.index(stage) + 1], status
    return stage, status
