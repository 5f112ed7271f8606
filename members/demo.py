"""Demo data: one account per role and realistic members (../shared/DOMAIN.md).

Deterministic (a fixed random seed) so two runs build the same people.
"""

import random
from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from members.models import Member, Role, Specialty, User

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
PENDING_EVERY = 12  # one in twelve demo members is still waiting for approval


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
    *, email: str, first_name: str, last_name: str, is_superuser: bool = False
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
    user.set_password(DEMO_PASSWORD)
    user.save()
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user, True


@transaction.atomic
def seed_demo(*, members: int = 50) -> dict[str, int]:
    """Create what is missing; never touch what exists (so a second run is a no-op)."""
    rng = random.Random(SEED)  # noqa: S311 — repeatable demo data, not secrets
    specialties = {s.name: s for s in Specialty.objects.all()}
    specialty_names = sorted(specialties)
    groups = {g.name: g for g in Group.objects.filter(name__in=Role.values)}
    created = 0
    now = timezone.now()

    for account in DEMO_ACCOUNTS:
        user, is_new = _ensure_account(
            email=account.email,
            first_name=account.first_name,
            last_name=account.last_name,
            is_superuser=account.is_superuser,
        )
        if not is_new:
            continue
        created += 1
        user.groups.add(*(groups[role] for role in account.roles))
        Member.objects.create(
            user=user,
            status=Member.Status.ACTIVE,
            visa_status=account.visa_status,
            training_stage=account.training_stage,
            specialty=specialties.get(account.specialty),
            home_country=account.home_country,
            joined_at=now - timedelta(days=400),
            approved_at=now - timedelta(days=399),
        )

    visas = [v for v, _ in VISA_WEIGHTS]
    weights = [w for _, w in VISA_WEIGHTS]
    for index in range(members):
        country, first_names, last_names = NAME_POOLS[index % len(NAME_POOLS)]
        first = rng.choice(first_names)
        last = rng.choice(last_names)
        visa = rng.choices(visas, weights)[0]
        stage = rng.choice(STAGES)
        specialty = rng.choice(specialty_names)
        pending = index % PENDING_EVERY == PENDING_EVERY - 1
        # Join requests wait days, not years; members joined over ~2.5 years.
        joined_days_ago = rng.randint(1, 14) if pending else rng.randint(15, 900)
        email = f"{first}.{last}.{index + 1}@{DEMO_DOMAIN}".lower().replace(" ", "")
        user, is_new = _ensure_account(email=email, first_name=first, last_name=last)
        if not is_new:
            continue
        created += 1
        if not pending:
            user.groups.add(groups[Role.RESIDENT])
        joined_at = now - timedelta(days=joined_days_ago)
        Member.objects.create(
            user=user,
            status=Member.Status.PENDING if pending else Member.Status.ACTIVE,
            visa_status=Member.VisaStatus.US_CITIZEN_IMG if country == "US" else visa,
            training_stage=stage,
            specialty=specialties[specialty],
            home_country=country,
            joined_at=joined_at,
            approved_at=None if pending else joined_at + timedelta(days=2),
        )
    return {"created": created}
