"""Every warning rule and reminder schedule, with a frozen `today`."""

from datetime import date

from tracker import rules
from tracker.rules import Doc, Kind, Trip

TODAY = date(2026, 11, 23)


def _docs(**dates):
    return {kind: Doc(kind=kind, on=on) for kind, on in dates.items()}


def _codes(docs, trips=(), program_end=None, is_j=True):
    found = rules.warnings(
        docs, list(trips), program_end=program_end, today=TODAY, is_j=is_j
    )
    return [w.code for w in found]


def test_a_passport_ending_within_6_months_of_the_program_end_is_flagged():
    end = date(2029, 6, 30)
    assert _codes(_docs(passport=date(2029, 12, 1)), program_end=end) == [
        "passport_short"
    ]
    assert _codes(_docs(passport=date(2030, 1, 1)), program_end=end) == []
    # The DS-2019 end counts too, whichever is later.
    docs = _docs(passport=date(2029, 12, 31), ds2019_end=date(2030, 6, 30))
    assert _codes(docs, program_end=end) == ["passport_short"]


def test_a_travel_signature_older_than_a_year_at_the_return_is_flagged():
    trip = Trip("India", date(2026, 12, 20), date(2027, 1, 5))
    lapsing = _docs(travel_signature=date(2026, 1, 1), ds2019_end=date(2029, 6, 30))
    assert "travel_signature" in _codes(lapsing, [trip])
    fresh = _docs(travel_signature=date(2026, 6, 1), ds2019_end=date(2029, 6, 30))
    assert "travel_signature" not in _codes(fresh, [trip])
    assert "travel_signature" in _codes({}, [trip])  # none recorded
    assert "travel_signature" not in _codes({}, [trip], is_j=False)  # H-1B: n/a


def test_a_ds2019_ending_before_the_trips_return_is_flagged():
    trip = Trip("Egypt", date(2027, 6, 20), date(2027, 7, 10))
    docs = _docs(travel_signature=date(2027, 1, 1), ds2019_end=date(2027, 6, 30))
    codes = _codes(docs, [trip])
    assert "ds2019_before_return" in codes
    assert "travel_signature" in codes  # the signature ends with the DS-2019


def test_a_visa_stamp_expiring_before_a_trip_is_flagged():
    trip = Trip("Nigeria", date(2027, 3, 1), date(2027, 3, 20))
    assert "stamp_before_trip" in _codes(_docs(visa_stamp=date(2027, 3, 10)), [trip])
    assert "stamp_before_trip" not in _codes(_docs(visa_stamp=date(2028, 1, 1)), [trip])


def test_past_trips_raise_nothing():
    trip = Trip("India", date(2026, 1, 1), date(2026, 1, 20))
    assert _codes(_docs(visa_stamp=date(2026, 1, 5)), [trip]) == []


def test_an_ead_ending_before_the_status_it_depends_on_is_flagged():
    gap = _docs(ead_end=date(2027, 6, 30), ds2019_end=date(2028, 6, 30))
    assert _codes(gap) == ["ead_gap"]
    h4 = _docs(ead_end=date(2027, 6, 30), i797_end=date(2028, 6, 30))
    assert _codes(h4, is_j=False) == ["ead_gap"]
    assert _codes(_docs(ead_end=date(2028, 6, 30), ds2019_end=date(2028, 6, 30))) == []


def test_trip_checks_say_what_is_in_order():
    trip = Trip("India", date(2027, 1, 1), date(2027, 1, 15))
    docs = _docs(
        travel_signature=date(2026, 6, 1),
        visa_stamp=date(2026, 12, 1),
        passport=date(2027, 9, 1),
    )
    checks = {c.label: c.ok for c in rules.trip_checks(trip, docs, is_j=True)}
    assert checks == {"Travel signature": True, "Visa stamp": False, "Passport": True}


def test_reminders_fall_due_at_each_lead_time_and_stay_due_a_week():
    ds2019 = date(2027, 3, 1)  # reminders 90, 60 and 30 days before
    assert rules.reminder_due(Kind.DS2019_END, ds2019, date(2026, 11, 30)) is None
    assert rules.reminder_due(Kind.DS2019_END, ds2019, date(2026, 12, 1)) == 90
    assert rules.reminder_due(Kind.DS2019_END, ds2019, date(2026, 12, 7)) == 90
    assert rules.reminder_due(Kind.DS2019_END, ds2019, date(2026, 12, 8)) is None
    assert rules.reminder_due(Kind.DS2019_END, ds2019, date(2026, 12, 31)) == 60
    assert rules.reminder_due(Kind.DS2019_END, ds2019, date(2027, 1, 30)) == 30
    assert rules.reminder_due(Kind.DS2019_END, ds2019, date(2027, 3, 2)) is None


def test_a_travel_signature_is_reminded_before_it_lapses_a_year_after_signing():
    signed = date(2026, 1, 10)  # lapses 10 January 2027; reminders 30 and 14 days
    assert rules.deadline(Kind.TRAVEL_SIGNATURE, signed) == date(2027, 1, 10)
    assert rules.reminder_due(Kind.TRAVEL_SIGNATURE, signed, date(2026, 12, 11)) == 30
    assert rules.reminder_due(Kind.TRAVEL_SIGNATURE, signed, date(2026, 12, 27)) == 14


def test_documents_fit_the_visa_status():
    assert Kind.TRAVEL_SIGNATURE in rules.kinds_for("j1")
    assert Kind.TRAVEL_SIGNATURE not in rules.kinds_for("h1b")
    assert Kind.I797_END in rules.kinds_for("h1b")
    assert rules.kinds_for("us_citizen_img") == rules.COMMON


def test_the_arrival_checklist_shows_from_match_day_to_the_end_of_month_one():
    start = date(2027, 6, 24)
    assert rules.match_day(2027) == date(2027, 3, 19)  # third Friday of March
    assert not rules.shows_arrival_checklist(start, date(2027, 3, 18))
    assert rules.shows_arrival_checklist(start, date(2027, 3, 19))
    assert rules.shows_arrival_checklist(start, date(2027, 7, 24))
    assert not rules.shows_arrival_checklist(start, date(2027, 7, 25))
    assert not rules.shows_arrival_checklist(None, date(2027, 5, 1))
