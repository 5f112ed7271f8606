"""Demo data: one account per role and realistic members (../shared/DOMAIN.md).

Deterministic (a fixed random seed) so two runs build the same people.
"""

import random
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from members import rules
from members.handoff import co_lead_terms_apply
from members.models import (
    CoLeadTerm,
    LeadershipRole,
    Member,
    Program,
    Role,
    Specialty,
    User,
)

DEMO_DOMAIN = "demo.imgportal.test"
DEMO_PASSWORD = "Welcome-to-IMG-2026"  # noqa: S105 — published in the README, local use
SEED = 20190701

# (country code, first names, last names): home countries IMGs often come from.
NAME_POOLS = [
    (
        "IN",
        ["Aarav", "Priya", "Rohan", "Ananya", "Vikram", "Meera"],
        ["Sharma", "Iyer", "Patel", "Reddy", "Nair"],
    ),
    (
        "PK",
        ["Ayesha", "Bilal", "Hamza", "Sana"],
        ["Khan", "Qureshi", "Malik", "Siddiqui"],
    ),
    (
        "NG",
        ["Chinedu", "Ngozi", "Tunde", "Amaka"],
        ["Okafor", "Adeyemi", "Eze", "Balogun"],
    ),
    ("EG", ["Omar", "Nour", "Youssef", "Mariam"], ["Hassan", "Mostafa", "Farouk"]),
    (
        "PH",
        ["Maria", "Jose", "Angelica", "Paolo"],
        ["Santos", "Reyes", "Cruz", "Bautista"],
    ),
    ("BR", ["Lucas", "Beatriz", "Rafael", "Camila"], ["Silva", "Oliveira", "Costa"]),
    ("MX", ["Diego", "Valeria", "Alejandro"], ["Hernández", "García", "López"]),
    ("CO", ["Santiago", "Isabella", "Mateo"], ["Restrepo", "Gómez", "Rodríguez"]),
    ("IR", ["Reza", "Leila", "Arash", "Shirin"], ["Hosseini", "Karimi", "Rahimi"]),
    ("LB", ["Karim", "Rania", "Elie"], ["Haddad", "Khoury", "Nassar"]),
    ("JO", ["Zaid", "Lina"], ["Al-Masri", "Haddadin"]),
    ("SY", ["Tarek", "Hiba"], ["Al-Khatib", "Mansour"]),
    ("NP", ["Suman", "Anjali"], ["Shrestha", "Thapa", "Gurung"]),
    ("BD", ["Tanvir", "Nusrat"], ["Rahman", "Chowdhury", "Hossain"]),
    ("LK", ["Dilan", "Nadeesha"], ["Perera", "Fernando"]),
    ("CN", ["Wei", "Li", "Jun"], ["Zhang", "Wang", "Chen"]),
    ("KR", ["Min-jun", "Seo-yeon"], ["Kim", "Park", "Lee"]),
    ("GH", ["Kwame", "Ama"], ["Mensah", "Owusu", "Boateng"]),
    ("KE", ["Wanjiru", "Otieno"], ["Kamau", "Odhiambo"]),
    ("ET", ["Selam", "Dawit"], ["Tesfaye", "Bekele"]),
    ("SA", ["Faisal", "Noura"], ["Al-Qahtani", "Al-Harbi"]),
    ("CA", ["Liam", "Chloe"], ["Tremblay", "MacDonald"]),
    ("AU", ["Jack", "Olivia"], ["Nguyen", "Williams"]),
    ("GB", ["Oliver", "Amelia"], ["Patel", "Hughes"]),
    ("VE", ["Andrés", "Gabriela"], ["Pérez", "Rojas"]),
    ("PE", ["Luis", "Carla"], ["Quispe", "Flores"]),
    ("TR", ["Emre", "Elif"], ["Yılmaz", "Demir"]),  # noqa: RUF001 — a real name
    ("UA", ["Olena", "Taras"], ["Shevchenko", "Kovalenko"]),
    ("RO", ["Andrei", "Ioana"], ["Popescu", "Ionescu"]),
    ("IT", ["Giulia", "Marco"], ["Rossi", "Bianchi"]),
    ("US", ["Emily", "Michael", "Sarah"], ["Johnson", "Brown", "Davis"]),
]

# About 60% J-1, 15% H-1B, 10% permanent resident, 10% US-citizen IMG, rest other.
VISA_WEIGHTS = [
    (Member.VisaStatus.J1, 60),
    (Member.VisaStatus.H1B, 15),
    (Member.VisaStatus.PERMANENT_RESIDENT, 10),
    (Member.VisaStatus.US_CITIZEN_IMG, 10),
    (Member.VisaStatus.J2, 1),
    (Member.VisaStatus.O1, 1),
    (Member.VisaStatus.E3, 1),
    (Member.VisaStatus.F1_OPT, 1),
    (Member.VisaStatus.OTHER, 1),
]
STAGES = [
    Member.TrainingStage.PGY1,
    Member.TrainingStage.PGY2,
    Member.TrainingStage.PGY3,
    Member.TrainingStage.PGY4,
    Member.TrainingStage.PGY5,
    Member.TrainingStage.FELLOW,
]
PENDING_EVERY = 50  # a few join requests waiting (6 in 300)
ALUMNI_EVERY = 9  # about one in nine finished training
UNIVERSITY = "University Medical Center"
COMMUNITY = "Riverside Community Hospital"
# The community affiliate runs every program but these (about 80 programs in all).
NOT_AT_COMMUNITY = {
    "Neurological Surgery",
    "Thoracic Surgery",
    "Plastic Surgery",
    "Nuclear Medicine",
    "Medical Genetics and Genomics",
    "Osteopathic Neuromusculoskeletal Medicine",
}
LANGUAGE_BY_COUNTRY = {
    "IN": ["hi"],
    "PK": ["ur", "pa"],
    "NG": ["yo", "ig"],
    "EG": ["ar"],
    "PH": ["tl"],
    "BR": ["pt"],
    "MX": ["es"],
    "CO": ["es"],
    "IR": ["fa"],
    "LB": ["ar", "fr"],
    "JO": ["ar"],
    "SY": ["ar"],
    "NP": ["ne"],
    "BD": ["bn"],
    "LK": ["si", "ta"],
    "CN": ["zh"],
    "KR": ["ko"],
    "GH": ["fr"],
    "KE": ["sw"],
    "ET": ["am"],
    "SA": ["ar"],
    "CA": ["fr"],
    "VE": ["es"],
    "PE": ["es"],
    "TR": ["tr"],
    "UA": ["uk", "ru"],
    "RO": ["ro"],
    "IT": ["it"],
}
INTERESTS = [
    "Global health",
    "Medical education",
    "Research in cardiology",
    "Quality improvement",
    "Wellness and peer support",
    "Health policy",
    "Point-of-care ultrasound",
    "Palliative care",
    "Community outreach",
]
OUTCOMES = [
    "Co-led a peer support program; participation up 40% in 12 months.",
    "Started a monthly journal club for interns.",
    "Ran the IMG orientation panel for 30 incoming residents.",
    "Cut discharge-summary delays by a third in a QI project.",
]
PAST_TERMS = [
    (date(2019, 7, 1), date(2021, 6, 30)),
    (date(2019, 7, 1), date(2021, 6, 30)),
    (date(2021, 7, 1), date(2023, 6, 30)),
    (date(2021, 7, 1), date(2023, 6, 30)),
]


@dataclass(frozen=True)
class DemoAccount:
    email: str
    first_name: str
    last_name: str
    roles: tuple[Role, ...]
    visa_status: str
    training_stage: str
    specialty: str
    home_country: str
    is_superuser: bool = False


DEMO_ACCOUNTS = [
    DemoAccount(
        f"resident@{DEMO_DOMAIN}",
        "Priya",
        "Raman",
        (Role.RESIDENT,),
        Member.VisaStatus.J1,
        Member.TrainingStage.PGY1,
        "Internal Medicine",
        "IN",
    ),
    DemoAccount(
        f"mentor@{DEMO_DOMAIN}",
        "Samuel",
        "Okonkwo",
        (Role.RESIDENT, Role.MENTOR),
        Member.VisaStatus.H1B,
        Member.TrainingStage.FELLOW,
        "Cardiology",
        "NG",
    ),
    DemoAccount(
        f"gme@{DEMO_DOMAIN}",
        "Linda",
        "Carter",
        (Role.GME_STAFF,),
        "",
        "",
        "",
        "US",
    ),
    DemoAccount(
        f"colead@{DEMO_DOMAIN}",
        "Ahmed",
        "Farouk",
        (Role.RESIDENT, Role.CO_LEAD),
        Member.VisaStatus.J1,
        Member.TrainingStage.PGY3,
        "Pediatrics",
        "EG",
    ),
    DemoAccount(
        f"editor@{DEMO_DOMAIN}",
        "Maria",
        "Santos",
        (Role.RESIDENT, Role.HANDBOOK_EDITOR),
        Member.VisaStatus.J1,
        Member.TrainingStage.PGY2,
        "Family Medicine",
        "PH",
    ),
    DemoAccount(
        f"admin@{DEMO_DOMAIN}",
        "Site",
        "Admin",
        (),
        "",
        "",
        "",
        "",
        is_superuser=True,
    ),
]


def _ensure_account(
    *,
    email: str,
    first_name: str,
    last_name: str,
    password: str,
    is_superuser: bool = False,
) -> tuple[User, bool]:
    user = User.objects.filter(email=email).first()
    if user is not None:
        return user, False
    user = User(
        email=email,
        first_name=first_name,
        last_name=last_name,
        is_staff=is_superuser,
        is_superuser=is_superuser,
    )
    user.password = password
    user.save()
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user, True


def _ensure_programs(specialties: dict[str, Specialty]) -> list[Program]:
    """About 80 programs at a university hospital and a community affiliate."""
    programs = []
    for name, specialty in sorted(specialties.items()):
        kind = (
            "Fellowship" if specialty.kind == Specialty.Kind.FELLOWSHIP else "Residency"
        )
        sites = [UNIVERSITY]
        if name not in NOT_AT_COMMUNITY:
            sites.append(COMMUNITY)
        for site in sites:
            program, _ = Program.objects.get_or_create(
                name=f"{name} {kind}" + ("" if site == UNIVERSITY else " (Riverside)"),
                institution=site,
                defaults={"specialty": specialty},
            )
            programs.append(program)
    return programs


def _ascii_email(local: str) -> str:
    """An address sign-in forms accept: "José Á. Núñez" → jose.a.nunez."""
    plain = unicodedata.normalize("NFKD", local).encode("ascii", "ignore").decode()
    plain = plain.lower().replace(" ", "").replace("..", ".")
    return f"{plain}@{DEMO_DOMAIN}"


def _rng(key) -> random.Random:
    return random.Random(f"{SEED}:{key}")  # noqa: S311 — repeatable demo data


def _training_dates(rng, stage: str, today: date) -> tuple[date | None, date | None]:
    year = rules.academic_year_of(today)
    if stage.startswith("pgy"):
        pgy = int(stage[3:])
        start = rules.academic_year_start(year - pgy + 1)
        length = max(pgy, rng.choice([3, 3, 3, 4, 5]))
        return start, rules.academic_year_start(year - pgy + 1 + length) - timedelta(
            days=1
        )
    if stage == Member.TrainingStage.FELLOW:
        start = rules.academic_year_start(year - rng.randint(0, 2))
        return start, start.replace(year=start.year + 3) - timedelta(days=1)
    return None, None


@transaction.atomic
def seed_demo(*, members: int = 300) -> dict[str, int]:
    """Create what is missing; never touch what exists (so a second run is a no-op)."""
    specialties = {s.name: s for s in Specialty.objects.all()}
    programs = _ensure_programs(specialties)
    groups = {g.name: g for g in Group.objects.filter(name__in=Role.values)}
    password = make_password(DEMO_PASSWORD)  # hashed once: seeding stays fast
    created = 0
    now = timezone.now()
    today = timezone.localdate()

    for account in DEMO_ACCOUNTS:
        user, is_new = _ensure_account(
            email=account.email,
            first_name=account.first_name,
            last_name=account.last_name,
            password=password,
            is_superuser=account.is_superuser,
        )
        if not is_new:
            continue
        created += 1
        user.groups.add(*(groups[role] for role in account.roles))
        specialty = specialties.get(account.specialty)
        start, end = _training_dates(_rng(account.email), account.training_stage, today)
        # Over a year in the group, but not before their Match (a PGY-1
        # joins from March of the year they start).
        joined = now - timedelta(days=400)
        if start:
            joined = max(joined, now - timedelta(days=(today - start).days + 100))
        member = Member.objects.create(
            user=user,
            status=Member.Status.ACTIVE,
            visa_status=account.visa_status,
            training_stage=account.training_stage,
            specialty=specialty,
            program=next((p for p in programs if p.specialty == specialty), None),
            home_country=account.home_country,
            languages=["en", *LANGUAGE_BY_COUNTRY.get(account.home_country, [])],
            training_start=start,
            expected_completion=end,
            joined_at=joined,
            approved_at=joined + timedelta(days=1),
        )
        if Role.CO_LEAD in account.roles:
            # Co-lead from the first academic year after joining.
            year = rules.academic_year_of(timezone.localdate(joined)) + 1
            CoLeadTerm.objects.create(
                member=member, start=min(rules.academic_year_start(year), today)
            )

    visas = [v for v, _ in VISA_WEIGHTS]
    weights = [w for _, w in VISA_WEIGHTS]
    seeded = []
    used_names: set[tuple[str, str]] = set()
    for index in range(members):
        # One generator per member: the same member whatever already exists.
        rng = _rng(index)
        country, first_names, last_names = NAME_POOLS[index % len(NAME_POOLS)]
        first = rng.choice(first_names)
        last = rng.choice(last_names)
        if (first, last) in used_names:  # small name pools: add a middle initial
            first = f"{first} {rng.choice('ABCDEFGHJKLMNPRSTVW')}."
        used_names.add((first, last))
        visa = rng.choices(visas, weights)[0]
        stage = rng.choice(STAGES)
        program = rng.choice(programs)
        pending = index % PENDING_EVERY == PENDING_EVERY - 1
        alumni = not pending and index % ALUMNI_EVERY == 0
        # Join requests wait days, not years; members joined over ~2.5 years.
        joined_days_ago = rng.randint(1, 14) if pending else rng.randint(15, 900)
        email = _ascii_email(f"{first}.{last}.{index + 1}")
        user, is_new = _ensure_account(
            email=email, first_name=first, last_name=last, password=password
        )
        if not is_new:
            continue
        created += 1
        if not pending:
            user.groups.add(groups[Role.RESIDENT])
        joined_at = now - timedelta(days=joined_days_ago)
        start, end = _training_dates(rng, stage, today)
        member = Member.objects.create(
            user=user,
            status=Member.Status.PENDING
            if pending
            else (Member.Status.ALUMNI if alumni else Member.Status.ACTIVE),
            visa_status=Member.VisaStatus.US_CITIZEN_IMG if country == "US" else visa,
            training_stage=Member.TrainingStage.ALUMNI if alumni else stage,
            specialty=program.specialty,
            program=program,
            home_country=country,
            languages=["en", *LANGUAGE_BY_COUNTRY.get(country, [])],
            training_start=start,
            expected_completion=end,
            interests=rng.choice(INTERESTS),
            joined_at=joined_at,
            approved_at=None if pending else joined_at + timedelta(days=2),
        )
        seeded.append(member)
        if not pending and index % 7 == 0:
            LeadershipRole.objects.create(
                member=member,
                kind=rng.choice(LeadershipRole.Kind.values[:-1]),
                start=start or date(2024, 7, 1),
                outcome=rng.choice(OUTCOMES),
            )
    _past_co_leads(seeded)
    co_lead_terms_apply()
    return {"created": created}


def _past_co_leads(seeded: list[Member]) -> None:
    """The group's founders (2019) and the next pair (2021): past co-lead terms."""
    if CoLeadTerm.objects.filter(start__lt=date(2023, 1, 1)).exists():
        return
    alumni = [m for m in seeded if m.status == Member.Status.ALUMNI][:4]
    for member, (start, end) in zip(alumni, PAST_TERMS, strict=False):
        CoLeadTerm.objects.create(member=member, start=start, end=end)
