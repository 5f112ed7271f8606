"""The demo resident's J-1 timeline for `seed_demo`: a realistic set of dates with
one warning (a passport that ends too soon after the program). Only when the
resident has no dates yet."""

from datetime import date, timedelta

from django.utils import timezone

from handbook.rules import add_months
from members.models import Member
from tracker.models import TrackedDocument

DEMO_RESIDENT = "resident@demo.imgportal.test"


def seed_tracker() -> int:
    member = Member.objects.filter(user__email=DEMO_RESIDENT).first()
    if member is None or member.tracked_documents.exists():
        return 0
    today = timezone.localdate()
    program_end = member.expected_completion or date(today.year + 3, 6, 30)
    rows = [
        ("ds2019_end", program_end, "Covers the whole residency."),
        (
            "continuation",
            today + timedelta(days=50),
            "Coordinator asked for pay slips.",
        ),
        (
            "travel_signature",
            today - timedelta(days=400),
            "Signed before last winter's trip.",
        ),
        ("visa_stamp", add_months(today, 14), "Issued in Mumbai."),
        ("i94", None, ""),
        (
            "passport",
            add_months(program_end, 3),
            "Renewal at the consulate in New York.",
        ),
        ("insurance", date(today.year + (today.month > 6), 6, 30), "Employer plan."),
    ]
    for kind, on, notes in rows:
        TrackedDocument.objects.create(
            member=member,
            kind=kind,
            on=on,
            duration_of_status=kind == "i94",
            notes=notes,
        )
    return len(rows)
