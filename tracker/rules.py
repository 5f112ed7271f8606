"""The status tracker's rules: which documents fit a visa status, what each needs
and how long it takes, the warnings that look across dates, reminder schedules
and the arrival checklist window. Plain functions of plain values, tested
without a database (pass `today` to freeze the clock)."""

from dataclasses import dataclass
from datetime import date, timedelta

from handbook.rules import add_months


class Kind:
    DS2019_END = "ds2019_end"
    CONTINUATION = "continuation"
    TRAVEL_SIGNATURE = "travel_signature"
    VISA_STAMP = "visa_stamp"
    I94 = "i94"
    EAD_END = "ead_end"
    I797_END = "i797_end"
    PASSPORT = "passport"
    LICENCE = "licence"
    INSURANCE = "insurance"
    APPOINTMENT = "appointment"


@dataclass(frozen=True)
class KindInfo:
    label: str
    date_label: str  # what the date means, as the form asks for it
    what_to_do: str
    lead_time: str
    handbook: str  # "chapter/page" of the matching handbook page
    reminders: tuple[int, ...]  # days before the date


KINDS: dict[str, KindInfo] = {
    Kind.DS2019_END: KindInfo(
        "DS-2019 end date",
        "Ends on",
        "Your J status ends here (30-day grace period to leave, not to work). "
        "Extend through your program and ECFMG well before.",
        "Program and ECFMG: start 2–3 months ahead.",
        "keeping-your-status/continuation-and-address",
        (90, 60, 30),
    ),
    Kind.CONTINUATION: KindInfo(
        "Yearly continuation of sponsorship",
        "Due by",
        "Your program submits the yearly continuation to ECFMG; answer your "
        "coordinator's requests the same week.",
        "Start 4–6 weeks ahead.",
        "keeping-your-status/continuation-and-address",
        (45, 30, 14),
    ),
    Kind.TRAVEL_SIGNATURE: KindInfo(
        "Travel signature",
        "Signed on",
        "ECFMG signs your DS-2019 for travel; valid one year (or to the DS-2019 end).",
        "7–10 business days; longer in June and December.",
        "travel-and-visa-renewal/travel-signature",
        (30, 14),
    ),
    Kind.VISA_STAMP: KindInfo(
        "Visa stamp",
        "Expires on",
        "You may stay on an expired stamp, but not re-enter: renewal only at a "
        "consulate abroad.",
        "Consulate waits range from days to 200+ days.",
        "travel-and-visa-renewal/renewing-your-visa-abroad",
        (90, 30),
    ),
    Kind.I94: KindInfo(
        "I-94 admit-until date",
        "Admitted until",
        "Check your I-94 after every entry; J-1s are usually admitted for "
        "'D/S' (duration of status).",
        "Download it online a day or two after you land.",
        "first-two-weeks/ssn-bank-phone",
        (60, 30),
    ),
    Kind.EAD_END: KindInfo(
        "EAD (work permit) end",
        "Ends on",
        "File the I-765 renewal well before: work must stop the day the EAD ends.",
        "3–5 months at USCIS.",
        "family/j2-h4-work-permits",
        (150, 90, 30),
    ),
    Kind.I797_END: KindInfo(
        "I-797 approval (H/O status) end",
        "Valid until",
        "Your program's lawyer files the extension petition.",
        "Start 6 months ahead.",
        "after-training/waivers-and-next-steps",
        (180, 90, 30),
    ),
    Kind.PASSPORT: KindInfo(
        "Passport",
        "Expires on",
        "Keep it valid 6 months past your program end for re-entry; renew "
        "through your country's embassy.",
        "Weeks to months, by country.",
        "travel-and-visa-renewal/travel-signature",
        (270, 180, 90),
    ),
    Kind.LICENCE: KindInfo(
        "Licence or training permit",
        "Expires on",
        "The GME office files training permits; renew a full licence with the board.",
        "4–8 weeks.",
        "usmle-and-licensing/step-3",
        (90, 30),
    ),
    Kind.INSURANCE: KindInfo(
        "Required health insurance",
        "Cover ends on",
        "J-1 and J-2 must stay insured the whole program, with evacuation and "
        "repatriation cover.",
        "Re-enrol before the cover ends.",
        "health-and-insurance/required-insurance",
        (30, 7),
    ),
    Kind.APPOINTMENT: KindInfo(
        "Biometrics or consulate appointment",
        "On",
        "Bring your passport, the appointment notice and your documents.",
        "Book early: slots fill.",
        "before-you-arrive/consulate-wait-times",
        (7, 1),
    ),
}

ALL_KINDS = tuple(KINDS)
COMMON = (Kind.PASSPORT, Kind.LICENCE, Kind.APPOINTMENT)
# Which documents fit which visa status (Member.VisaStatus values).
KINDS_FOR_STATUS: dict[str, tuple[str, ...]] = {
    "j1": (
        Kind.DS2019_END,
        Kind.CONTINUATION,
        Kind.TRAVEL_SIGNATURE,
        Kind.VISA_STAMP,
        Kind.I94,
        Kind.INSURANCE,
        *COMMON,
    ),
    "j2": (
        Kind.DS2019_END,
        Kind.EAD_END,
        Kind.VISA_STAMP,
        Kind.I94,
        Kind.INSURANCE,
        *COMMON,
    ),
    "h1b": (Kind.I797_END, Kind.VISA_STAMP, Kind.I94, *COMMON),
    "h4": (Kind.I797_END, Kind.EAD_END, Kind.VISA_STAMP, Kind.I94, *COMMON),
    "o1": (Kind.I797_END, Kind.VISA_STAMP, Kind.I94, *COMMON),
    "e3": (Kind.VISA_STAMP, Kind.I94, *COMMON),
    "f1_opt": (Kind.EAD_END, Kind.VISA_STAMP, Kind.I94, *COMMON),
    "permanent_resident": COMMON,
    "us_citizen_img": COMMON,
    "other": ALL_KINDS,
    "": ALL_KINDS,
}
# Documents whose date is when they were issued (validity runs from it).
ISSUED_ON = {Kind.TRAVEL_SIGNATURE}
TRAVEL_SIGNATURE_VALID_DAYS = 365
PASSPORT_MARGIN_MONTHS = 6
MAX_YEARS_AHEAD = 15


def kinds_for(visa_status: str) -> tuple[str, ...]:
    return KINDS_FOR_STATUS.get(visa_status, ALL_KINDS)


@dataclass(frozen=True)
class Doc:
    kind: str
    on: date | None  # the date that matters (None: I-94 "D/S")
    starts_on: date | None = None


@dataclass(frozen=True)
class Trip:
    country: str
    leaves_on: date
    returns_on: date


@dataclass(frozen=True)
class Warning:
    code: str
    message: str
    handbook: str


def _d(day: date) -> str:
    return f"{day:%-d %b %Y}"


def signature_valid_until(signature: Doc, ds2019: Doc | None) -> date | None:
    """One year from signing, or the DS-2019 end if sooner."""
    if signature.on is None:
        return None
    until = signature.on + timedelta(days=TRAVEL_SIGNATURE_VALID_DAYS)
    if ds2019 and ds2019.on:
        until = min(until, ds2019.on)
    return until


def warnings(
    docs: dict[str, Doc],
    trips: list[Trip],
    *,
    program_end: date | None,
    today: date,
    is_j: bool,
) -> list[Warning]:
    """Everything that looks wrong across the member's dates and planned trips."""
    found: list[Warning] = []
    passport, ds2019 = docs.get(Kind.PASSPORT), docs.get(Kind.DS2019_END)
    ends = [d for d in (ds2019.on if ds2019 else None, program_end) if d]
    if passport and passport.on and ends:
        needed = add_months(max(ends), PASSPORT_MARGIN_MONTHS)
        if passport.on < needed:
            found.append(
                Warning(
                    "passport_short",
                    f"Your passport expires on {_d(passport.on)}, less than 6 months "
                    f"after your program ends ({_d(max(ends))}). Renew it before "
                    "you travel: re-entry needs 6 months' validity.",
                    KINDS[Kind.PASSPORT].handbook,
                )
            )
    signature, stamp = docs.get(Kind.TRAVEL_SIGNATURE), docs.get(Kind.VISA_STAMP)
    for trip in (t for t in trips if t.returns_on >= today):
        where = f"your trip to {trip.country} (back {_d(trip.returns_on)})"
        if is_j:
            until = signature_valid_until(signature, ds2019) if signature else None
            if until is None or until < trip.returns_on:
                found.append(
                    Warning(
                        "travel_signature",
                        f"Get a new travel signature before {where}: "
                        + (
                            f"yours is valid only until {_d(until)}."
                            if until
                            else "you have none recorded."
                        )
                        + " Ask your program 7–10 business days ahead.",
                        KINDS[Kind.TRAVEL_SIGNATURE].handbook,
                    )
                )
            if ds2019 and ds2019.on and ds2019.on < trip.returns_on:
                found.append(
                    Warning(
                        "ds2019_before_return",
                        f"Your DS-2019 ends on {_d(ds2019.on)}, before you return "
                        f"from {where}. Extend it first, or you can't re-enter.",
                        KINDS[Kind.DS2019_END].handbook,
                    )
                )
        if stamp and stamp.on and stamp.on < trip.returns_on:
            found.append(
                Warning(
                    "stamp_before_trip",
                    f"Your visa stamp expires on {_d(stamp.on)}, before {where}: you "
                    "must renew it at a consulate abroad before you can come back. "
                    "Check the interview wait first.",
                    KINDS[Kind.VISA_STAMP].handbook,
                )
            )
    ead = docs.get(Kind.EAD_END)
    principal = ds2019 or docs.get(Kind.I797_END)
    if ead and ead.on and principal and principal.on and ead.on < principal.on:
        found.append(
            Warning(
                "ead_gap",
                f"Your EAD ends on {_d(ead.on)}, before the status it depends on "
                f"({_d(principal.on)}). File the renewal (I-765) 3–5 months ahead "
                "to keep working.",
                KINDS[Kind.EAD_END].handbook,
            )
        )
    return found


@dataclass(frozen=True)
class Check:
    ok: bool
    label: str
    detail: str


def trip_checks(trip: Trip, docs: dict[str, Doc], *, is_j: bool) -> list[Check]:
    """What must be in order before a trip abroad, each with why."""
    checks = []
    ds2019 = docs.get(Kind.DS2019_END)
    if is_j:
        signature = docs.get(Kind.TRAVEL_SIGNATURE)
        until = signature_valid_until(signature, ds2019) if signature else None
        checks.append(
            Check(
                until is not None and until >= trip.returns_on,
                "Travel signature",
                f"valid until {_d(until)}" if until else "none recorded",
            )
        )
    stamp = docs.get(Kind.VISA_STAMP)
    checks.append(
        Check(
            bool(stamp and stamp.on and stamp.on >= trip.returns_on),
            "Visa stamp",
            f"expires {_d(stamp.on)}" if stamp and stamp.on else "none recorded",
        )
    )
    passport = docs.get(Kind.PASSPORT)
    needed = add_months(trip.returns_on, PASSPORT_MARGIN_MONTHS)
    checks.append(
        Check(
            bool(passport and passport.on and passport.on >= needed),
            "Passport",
            (
                f"expires {_d(passport.on)}"
                if passport and passport.on
                else "none recorded"
            )
            + f"; needs to last until {_d(needed)}",
        )
    )
    return checks


def deadline(kind: str, on: date | None) -> date | None:
    """The day something must be done by: a travel signature lapses a year after
    it was signed; every other date is itself the deadline."""
    if on is None:
        return None
    if kind in ISSUED_ON:
        return on + timedelta(days=TRAVEL_SIGNATURE_VALID_DAYS)
    return on


def reminder_due(kind: str, on: date | None, today: date) -> int | None:
    """The reminder (days before the deadline) due today, if any. A reminder stays
    due for a week after its day, so a missed daily run still sends it; the outbox
    key (document, date, lead) sends each one once."""
    on = deadline(kind, on)
    if on is None:
        return None
    due = [
        lead
        for lead in KINDS[kind].reminders
        if on - timedelta(days=lead) <= today < on - timedelta(days=lead) + timedelta(7)
        and today <= on
    ]
    return min(due) if due else None


ARRIVAL_STEPS = [
    ("i94", "Check your I-94 record", "first-two-weeks/ssn-bank-phone"),
    ("phone", "Get a US phone number", "first-two-weeks/ssn-bank-phone"),
    ("ssn", "Apply for your Social Security number", "first-two-weeks/ssn-bank-phone"),
    ("bank", "Open a bank account", "first-two-weeks/ssn-bank-phone"),
    ("housing", "Sign a lease", "housing/finding-a-flat"),
    (
        "insurance",
        "Enrol in health insurance",
        "health-and-insurance/required-insurance",
    ),
    ("licence", "Apply for a driver's licence", "getting-around/drivers-licence"),
    ("orientation", "Sign up for orientation events", "first-two-weeks/ssn-bank-phone"),
]


ARRIVAL_STEPS_BY_CODE = {code: (label, page) for code, label, page in ARRIVAL_STEPS}


def match_day(year: int) -> date:
    """The Main Residency Match is announced on the third Friday of March."""
    first = date(year, 3, 1)
    return first + timedelta(days=(4 - first.weekday()) % 7 + 14)


def shows_arrival_checklist(training_start: date | None, today: date) -> bool:
    """From Match day until the end of the first month of training."""
    if training_start is None:
        return False
    return match_day(training_start.year) <= today <= add_months(training_start, 1)
