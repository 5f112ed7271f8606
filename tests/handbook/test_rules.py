"""When a handbook page is due for review."""

from datetime import date

from handbook import rules


def test_adding_months_clamps_to_the_end_of_the_month():
    assert rules.add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert rules.add_months(date(2026, 1, 15), 12) == date(2027, 1, 15)


def test_visa_pages_are_reviewed_twice_as_often():
    assert rules.review_interval_for(visa_chapter=True) == 6
    assert rules.review_interval_for(visa_chapter=False) == 12


def test_a_page_is_stale_only_after_its_due_date():
    due = rules.review_due_on(date(2026, 1, 10), 6)
    assert due == date(2026, 7, 10)
    assert not rules.is_stale(due, date(2026, 7, 10))
    assert rules.is_stale(due, date(2026, 7, 11))
    assert not rules.is_stale(None, date(2030, 1, 1))
