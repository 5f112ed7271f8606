"""25 realistic leadership openings across programs for `seed_demo` (some past
their deadline, one closed, two members' suggestions waiting), and the demo
resident's shortlist of 3. Only when the board is empty."""

from datetime import timedelta

from django.utils import timezone

from leadership.models import Opening, ShortlistEntry
from members.models import Member, Program

DEMO_RESIDENT = "resident@demo.imgportal.test"
K, V = Opening.Kind, Opening.VisaLimit

# (title, kind, program name fragment or "" for institution-wide, PGY min, max,
#  time commitment, visa, visa note, deadline in days (None: open until filled),
#  status)
OPENINGS = [
    (
        "Program Evaluation Committee, resident member",
        K.COMMITTEE,
        "Internal Medicine",
        2,
        3,
        "Four 1-hour meetings a year",
        V.NO,
        "",
        21,
        "open",
    ),
    (
        "Clinical Competency Committee, resident observer",
        K.COMMITTEE,
        "Internal Medicine",
        3,
        3,
        "Twice a year, half a day",
        V.NO,
        "",
        40,
        "open",
    ),
    (
        "Chief resident 2027–28",
        K.CHIEF,
        "Internal Medicine",
        3,
        3,
        "PGY-4 year, 50% protected time",
        V.ASK,
        "Ask the PD whether an extra year fits your J-1 DS-2019 (it must be extended)",
        60,
        "open",
    ),
    (
        "Co-chief resident, ambulatory",
        K.CHIEF,
        "Family Medicine",
        3,
        3,
        "20% protected time",
        V.ASK,
        "H-1B: the role is paid as a PGY-4; check with the GME office",
        55,
        "open",
    ),
    (
        "Chief resident, Pediatrics",
        K.CHIEF,
        "Pediatrics",
        3,
        3,
        "Full-time chief year",
        V.YES,
        "The program requires a PGY-4 contract it can't sponsor on H-1B this cycle",
        30,
        "open",
    ),
    (
        "Journal club coordinator",
        K.COORDINATOR,
        "Internal Medicine",
        1,
        2,
        "One evening a month",
        V.NO,
        "",
        10,
        "open",
    ),
    (
        "Noon conference coordinator",
        K.COORDINATOR,
        "Family Medicine",
        2,
        3,
        "2 hours a week",
        V.NO,
        "",
        5,
        "open",
    ),
    (
        "Morning report co-coordinator",
        K.COORDINATOR,
        "Pediatrics",
        2,
        2,
        "Weekly",
        V.NO,
        "",
        -10,
        "open",
    ),
    (
        "Wellness council, resident co-chair",
        K.CHAIR,
        "",
        1,
        3,
        "Monthly meeting plus two events a year",
        V.NO,
        "",
        14,
        "open",
    ),
    (
        "DEI council member",
        K.COMMITTEE,
        "",
        1,
        4,
        "Monthly, 1 hour",
        V.NO,
        "",
        25,
        "open",
    ),
    (
        "QI and patient safety council, resident lead",
        K.CHAIR,
        "",
        2,
        4,
        "Monthly council, one project a year",
        V.NO,
        "",
        35,
        "open",
    ),
    (
        "Resident representative to the GME committee",
        K.GME_REP,
        "",
        2,
        3,
        "Monthly GMEC meeting, 1.5 hours",
        V.NO,
        "",
        18,
        "open",
    ),
    (
        "Housestaff council president",
        K.CHAIR,
        "",
        2,
        3,
        "Biweekly meetings, negotiations with GME",
        V.ASK,
        "Paid stipend: ask whether it counts as extra employment on your visa",
        45,
        "open",
    ),
    (
        "IMG group co-lead",
        K.CO_LEAD,
        "",
        1,
        3,
        "A few hours a month; a two-year term",
        V.NO,
        "Any visa status; J-1 holders have led before",
        28,
        "open",
    ),
    (
        "Sepsis bundle project lead",
        K.PROJECT,
        "Internal Medicine",
        2,
        3,
        "One academic year",
        V.NO,
        "",
        12,
        "open",
    ),
    (
        "Handoff (I-PASS) project lead",
        K.PROJECT,
        "Surgery",
        1,
        2,
        "Six months",
        V.NO,
        "",
        20,
        "open",
    ),
    (
        "Medical education track, resident lead",
        K.PROJECT,
        "",
        2,
        3,
        "Plan four workshops",
        V.NO,
        "",
        None,
        "open",
    ),
    (
        "Residency recruitment ambassador",
        K.OTHER,
        "Internal Medicine",
        1,
        3,
        "Interview season, 6 evenings",
        V.NO,
        "",
        8,
        "open",
    ),
    (
        "Ethics committee, resident member",
        K.COMMITTEE,
        "",
        2,
        4,
        "Monthly, plus consults",
        V.NO,
        "",
        50,
        "open",
    ),
    (
        "Simulation center resident liaison",
        K.COORDINATOR,
        "Emergency Medicine",
        2,
        3,
        "Monthly sessions",
        V.NO,
        "",
        33,
        "open",
    ),
    (
        "Global health track coordinator",
        K.COORDINATOR,
        "",
        2,
        3,
        "Quarterly meetings",
        V.ASK,
        "Travel abroad: check re-entry and travel signature timing",
        22,
        "open",
    ),
    (
        "Surgery residents' council chair",
        K.CHAIR,
        "Surgery",
        3,
        4,
        "Monthly",
        V.NO,
        "",
        -3,
        "open",
    ),
    (
        "Peer support program lead",
        K.PROJECT,
        "",
        1,
        3,
        "Ongoing",
        V.NO,
        "",
        -20,
        "closed",
    ),
    (
        "Interpreter services liaison",
        K.OTHER,
        "",
        1,
        3,
        "Quarterly",
        V.ASK,
        "",
        30,
        "suggested",
    ),
    (
        "Neurology journal club lead",
        K.COORDINATOR,
        "Neurology",
        1,
        3,
        "Monthly",
        V.NO,
        "",
        16,
        "suggested",
    ),
]


def seed_openings() -> int:
    if Opening.objects.exists():
        return 0
    today = timezone.localdate()
    programs = list(Program.objects.order_by("pk"))

    def program_for(fragment: str):
        if not fragment:
            return None
        return next((p for p in programs if fragment in p.name), None)

    made = []
    for row in OPENINGS:
        (title, kind, program, low, high, time, visa, note, days, status) = row
        made.append(
            Opening.objects.create(
                title=title,
                kind=kind,
                program=program_for(program),
                pgy_min=low,
                pgy_max=high,
                time_commitment=time,
                visa_limit=visa,
                visa_note=note,
                description=f"{title}: work with faculty and fellow residents.",
                how_to_apply="Email a short paragraph on why you want it and what "
                "you'd do, with your PGY and program, to the contact.",
                contact="Program coordinator, gme-leadership@example.org",
                deadline=None if days is None else today + timedelta(days=days),
                status=status,
                published_at=None if status == "suggested" else timezone.now(),
            )
        )
    resident = Member.objects.filter(user__email=DEMO_RESIDENT).first()
    if resident is not None:
        notes = {
            "Journal club coordinator": "Good first role; ask the chief what it takes",
            "IMG group co-lead": "",
            "Chief resident 2027–28": "ask PD about visa (DS-2019 extension)",
        }
        for opening in made:
            if opening.title in notes:
                ShortlistEntry.objects.create(
                    member=resident, opening=opening, note=notes[opening.title]
                )
    return len(made)
