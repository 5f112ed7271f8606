"""Ten realistic contacts for a demo member (`seed_demo` calls `seed`): program
directors from interviews, a fellowship director from a conference, an away
rotation attending, a research mentor, a near-peer IMG; some follow-ups due this
week, two counted on the member's board of mentors. Only when the log is empty."""

from datetime import timedelta
from functools import partial

from django.utils import timezone

from contacts.models import BoardSeat, Contact
from members.models import Member

W = Contact.WhereMet


def seed(member: Member) -> int:
    """Add the demo contacts to `member`'s empty log; returns how many."""
    if member.contacts.exists():
        return 0
    today = timezone.localdate()

    def day(offset: int):
        return today + timedelta(days=offset)

    now = timezone.now()
    make = partial(Contact, member=member, created_at=now, updated_at=now)
    rows = [
        make(
            name="Dr. Lakshmi Menon",
            role="Program director, Internal Medicine residency",
            institution="Lakeside University Medical Center",
            where_met=W.INTERVIEW,
            where_met_detail="Virtual interview day",
            discussed="Asked about research time in PGY-2 and H-1B sponsorship. "
            "She suggested emailing after the Match with an update.",
            last_contact_on=day(-40),
            follow_up_on=day(2),
            tags=["interview", "internal medicine"],
        ),
        make(
            name="Dr. Marcus Feld",
            role="Program director, Cardiology fellowship",
            institution="St. Anne's Heart Institute",
            where_met=W.CONFERENCE,
            where_met_detail="ACC Scientific Session, poster hall",
            discussed="Liked the heart-failure readmissions poster; offered to "
            "review my fellowship personal statement.",
            last_contact_on=day(-20),
            follow_up_on=day(0),
            tags=["fellowship", "cardiology", "letter"],
            board_seat=BoardSeat.APPLICATION,
        ),
        make(
            name="Dr. Elena Sokolova",
            role="Attending, Nephrology",
            institution="Riverside General Hospital",
            where_met=W.AWAY_ROTATION,
            where_met_detail="Four-week sub-internship",
            discussed="Wrote me a letter of recommendation; wants to hear "
            "where I match.",
            last_contact_on=day(-75),
            follow_up_on=day(-3),
            tags=["letter", "nephrology"],
        ),
        make(
            name="Dr. Samuel Okafor",
            role="Research mentor, outcomes research",
            institution="Lakeside University Medical Center",
            where_met=W.RESEARCH,
            where_met_detail="QI project on sepsis bundles",
            discussed="Abstract deadline for SHM in six weeks; draft methods "
            "section by the end of the month.",
            last_contact_on=day(-7),
            follow_up_on=day(5),
            tags=["research", "abstract"],
            board_seat=BoardSeat.RESEARCH,
        ),
        make(
            name="Dr. Aisha Karim",
            role="PGY-2, Internal Medicine (IMG, one year ahead)",
            institution="Lakeside University Medical Center",
            where_met=W.SOCIAL_MEDIA,
            where_met_detail="IMG group chat",
            discussed="Shared her J-1 waiver timeline and which attendings "
            "write strong letters.",
            last_contact_on=day(-3),
            follow_up_on=day(14),
            tags=["near-peer", "visa"],
        ),
        make(
            name="Dr. Hiroshi Tanaka",
            role="Associate program director",
            institution="Northgate Community Hospital",
            where_met=W.INTERVIEW,
            where_met_detail="In-person interview, pre-interview dinner",
            discussed="Talked about the night-float schedule and the "
            "program's experience with J-1 residents.",
            last_contact_on=day(-60),
            follow_up_on=None,
            tags=["interview"],
        ),
        make(
            name="Dr. Laura Benedetti",
            role="Chief resident",
            institution="Riverside General Hospital",
            where_met=W.AWAY_ROTATION,
            discussed="Offered to introduce me to the GI fellowship director.",
            last_contact_on=day(-30),
            follow_up_on=day(4),
            tags=["gastroenterology", "introduction"],
        ),
        make(
            name="Dr. Omar Haddad",
            role="Fellowship program coordinator, Pulmonary and Critical Care",
            institution="Mercy Regional Medical Center",
            where_met=W.EMAIL,
            discussed="Asked whether they sponsor H-1B for fellows: they "
            "sponsor J-1 only.",
            last_contact_on=day(-14),
            follow_up_on=day(30),
            tags=["fellowship", "visa"],
        ),
        make(
            name="Dr. Grace Mensah",
            role="Hospitalist, clinical educator",
            institution="Lakeside University Medical Center",
            where_met=W.OTHER,
            where_met_detail="Morning report",
            discussed="Suggested I present a case at the regional ACP meeting.",
            last_contact_on=day(-10),
            follow_up_on=day(-1),
            tags=["teaching", "conference"],
        ),
        make(
            name="Dr. Rafael Ortiz",
            role="Program director, Geriatrics fellowship",
            institution="Bayview Medical College",
            where_met=W.CONFERENCE,
            where_met_detail="ACP Internal Medicine Meeting, IMG reception",
            discussed="Their fellowship takes one IMG a year; apply early.",
            last_contact_on=day(-120),
            follow_up_on=day(60),
            tags=["fellowship", "geriatrics"],
        ),
    ]
    Contact.objects.bulk_create(rows)
    return len(rows)
