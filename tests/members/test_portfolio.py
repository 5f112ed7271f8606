"""The leadership portfolio's assembly: CV dates and order (pure values)."""

from datetime import date

from members.portfolio import SECTIONS, PortfolioEntry, by_section


def _entry(section=SECTIONS[0], start=date(2025, 7, 1), **extra) -> PortfolioEntry:
    return PortfolioEntry(section=section, role="Role", title="", start=start, **extra)


def test_dates_read_as_cvs_write_them():
    assert _entry(end=date(2026, 6, 30)).dates == "Jul 2025 – Jun 2026"
    assert _entry().dates == "Jul 2025 – present"
    assert _entry(end=date(2025, 7, 20)).dates == "Jul 2025"
    assert _entry(start=date(2026, 3, 12), one_day=True).dates == "12 Mar 2026"


def test_sections_keep_their_order_and_drop_empty_ones():
    entries = [
        _entry(section=SECTIONS[2]),
        _entry(section=SECTIONS[0]),
        _entry(section=SECTIONS[0], start=date(2024, 7, 1)),
    ]
    grouped = by_section(entries)
    assert [name for name, _rows in grouped] == [SECTIONS[0], SECTIONS[2]]
    assert len(grouped[0][1]) == 2
