"""A member's own deadlines in their personal calendar feed (the events app's
secret-token feed): all-day entries, only ever in that member's feed."""

from datetime import timedelta

from icalendar import Event as VEvent

from members.models import Member
from tracker.models import TrackedDocument


def deadline_events(member: Member) -> list[VEvent]:
    entries = []
    for document in TrackedDocument.objects.filter(member=member, on__isnull=False):
        day = document.deadline
        entry = VEvent()
        entry.add("uid", f"status-{document.pk}@imgportal")
        entry.add("dtstamp", document.updated_at)
        entry.add("summary", f"{document.info.label}: deadline")
        entry.add("dtstart", day)
        entry.add("dtend", day + timedelta(days=1))
        entry.add("transp", "TRANSPARENT")
        entry.add(
            "description",
            f"{document.info.what_to_do}\n\nHow long: {document.info.lead_time}",
        )
        entries.append(entry)
    return entries
