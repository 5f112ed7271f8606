"""The private status tracker: all of it is the member's, and all of it goes."""

from imgportal.hooks import CALENDAR_ENTRIES
from imgportal.personal_data import PersonalData, personal_data_register
from tracker.calendar import deadline_events
from tracker.models import ChecklistTick, TrackedDocument, TrackerSettings, Trip


def export(member) -> dict[str, object]:
    settings = TrackerSettings.objects.filter(member=member).first()
    return {
        "status_documents": list(
            TrackedDocument.objects.filter(member=member).values(
                "kind", "starts_on", "on", "duration_of_status", "notes"
            )
        ),
        "status_trips": list(
            Trip.objects.filter(member=member).values(
                "country", "leaves_on", "returns_on", "notes"
            )
        ),
        "arrival_checklist": list(
            ChecklistTick.objects.filter(member=member).values("step", "done_at")
        ),
        "status_settings": {"share_counts": bool(settings and settings.share_counts)},
    }


def erase(member) -> None:
    for model in (TrackedDocument, Trip, ChecklistTick, TrackerSettings):
        model.objects.filter(member=member).delete()


def register() -> None:
    # The member's own deadlines join their personal calendar feed.
    CALENDAR_ENTRIES.register("tracker", "deadlines", deadline_events)
    personal_data_register(
        PersonalData(
            app="tracker",
            models=(
                "tracker.TrackedDocument",
                "tracker.Trip",
                "tracker.ChecklistTick",
                "tracker.TrackerSettings",
            ),
            export=export,
            erase=erase,
        )
    )
