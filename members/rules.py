"""Pure rules about members: no database, tested with plain values."""

from datetime import date

PGY_STAGES = ["pgy1", "pgy2", "pgy3", "pgy4", "pgy5", "pgy6", "pgy7", "pgy8"]
ACTIVE, ALUMNI = "active", "alumni"


def academic_year_start(year: int) -> date:
    """The academic year runs 1 July to 30 June."""
    return date(year, 7, 1)


def academic_year_of(day: date) -> int:
    return day.year if day >= date(day.year, 7, 1) else day.year - 1


# The co-leads are asked to preview and confirm on 20 June (the beat schedule in
# imgportal/celery.py); the rollover for a year may be applied from then on.
ROLLOVER_OPENS = (6, 20)


def rollover_opens(academic_year: int) -> date:
    return date(academic_year, *ROLLOVER_OPENS)


def rollover_due_year(today: date) -> int:
    """The academic year whose rollover is due: the latest whose window opened."""
    return today.year if today >= rollover_opens(today.year) else today.year - 1


def year_label(academic_year: int) -> str:
    """2026 → "2026–27"."""
    return f"{academic_year}–{(academic_year + 1) % 100:02d}"


def rollover_refusal(academic_year: int, today: date) -> str | None:
    """Why the rollover for `academic_year` may not be applied `today`, if so."""
    due = rollover_due_year(today)
    opens = rollover_opens(academic_year)
    if academic_year > due:
        return (
            f"The rollover into {year_label(academic_year)} opens on "
            f"{opens.day} {opens:%B %Y}, when the co-leads are asked to confirm it. "
            "You can preview it now."
        )
    if academic_year < due:
        return (
            f"The rollover into {year_label(academic_year)} is past: "
            f"the one due is {year_label(due)}."
        )
    return None


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
