"""Writes to the visa timelines table (wait times by country, post and visa):
each add, change or delete is kept in the row's change history with who made it."""

from django.db import transaction
from django.utils import timezone

from handbook import cache as visitor_cache
from handbook import search_terms
from handbook.models import (
    VisaTimeline,
    VisaTimelineChange,
)

# Words as readers type them: letters and digits, hyphens inside (DS-2019, I-797).
from handbook.services import words_add
from members.models import User

TIMELINE_FIELDS = (
    "country",
    "visa_type",
    "post",
    "wait_days",
    "processing_notes",
    "last_verified",
    "source_url",
    "is_example",
)


def _timeline_values(timeline: VisaTimeline) -> dict[str, str]:
    return {f: str(getattr(timeline, f)) for f in TIMELINE_FIELDS}


@transaction.atomic
def timeline_save(*, timeline: VisaTimeline, by: User) -> VisaTimeline:
    """Add or change a row; the change is kept in the row's history."""
    creating = timeline.pk is None
    before = (
        {} if creating else _timeline_values(VisaTimeline.objects.get(pk=timeline.pk))
    )
    timeline.full_clean()
    after = _timeline_values(timeline)
    changes = {
        f: (before.get(f, ""), v) for f, v in after.items() if before.get(f) != v
    }
    if not creating and not changes:
        return timeline  # an unchanged save: who changed it last stays true
    timeline.updated_at, timeline.updated_by = timezone.now(), by
    timeline.search_text = timeline_search_text(timeline)
    timeline.save()
    words_add(timeline.search_text)
    transaction.on_commit(visitor_cache.bump)
    if changes:
        VisaTimelineChange.objects.create(
            timeline=timeline,
            label=str(timeline),
            action=VisaTimelineChange.Action.CREATED
            if creating
            else VisaTimelineChange.Action.CHANGED,
            changes=changes,
            by=by,
        )
    return timeline


def timeline_search_text(timeline: VisaTimeline) -> str:
    """What search finds a row by: every name of its country, the post, the
    visa type and the notes."""
    return search_terms.canonical(
        " ".join(
            [
                *search_terms.country_names(timeline.country.code),
                timeline.post,
                timeline.visa_type,
                timeline.processing_notes,
            ]
        )
    )


@transaction.atomic
def timeline_delete(*, timeline: VisaTimeline, by: User) -> None:
    VisaTimelineChange.objects.create(
        timeline=None,
        label=str(timeline),
        action=VisaTimelineChange.Action.DELETED,
        changes={f: (v, "") for f, v in _timeline_values(timeline).items()},
        by=by,
    )
    timeline.delete()
    transaction.on_commit(visitor_cache.bump)
