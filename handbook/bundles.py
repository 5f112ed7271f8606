"""Handbook bundles (issue 18): a second group starts from the first one's
handbook. `bundle_export` writes this handbook as a bundle; `bundle_plan` says
what importing one would create, update or leave; `bundle_apply` imports it in
one transaction. The file format, and every reason a bundle is refused before
anything is written, is `bundle_format.py`.

What an import does, matching on addresses (slugs):
- chapters (title, order, introduction, visa flag) are created or updated;
- a page's text never goes live unreviewed: a new page, or a page whose newest
  text differs, gets a draft (authored by whoever runs the import) for this
  group's editors to publish or decline; a text declined here before is not
  offered again; order, review interval and members-only are set at once, and
  the verified-on date is kept only until the page is first published here
  (publishing is this group's own verification);
- wait-time rows are created or updated, except where this group verified the
  row more recently than the bundle did (kept);
- nothing is ever deleted."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django_countries import countries

from handbook import rules, selectors, services, timelines
from handbook.bundle_files import CSV_COLUMNS, page_text, timelines_csv
from handbook.bundle_format import (
    MANIFEST,
    README,
    README_TEXT,
    TIMELINES_CSV,
    Bundle,
    atomic_write,
    manifest_text,
    zip_entry,
)
from handbook.models import Chapter, Page, VisaTimeline
from handbook.permissions import can_edit
from members.actions import record
from members.models import User

CREATE, UPDATE, UNCHANGED, KEEP = "create", "update", "unchanged", "keep"
VIA = "handbook bundle"
# One import at a time (pg_advisory_xact_lock): two at once would both create.
IMPORT_LOCK = 1804


@dataclass
class Step:
    """One chapter, page or wait-time row of a bundle, and what importing does."""

    kind: str  # "chapter", "page" or "timeline"
    label: str
    action: str  # CREATE, UPDATE, UNCHANGED or KEEP
    data: object
    current: object = None
    changes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    new_text: bool = False


@dataclass
class Exported:
    chapters: int
    pages: int
    timelines: int
    left_out: list[str]


def day_text(day: date | None) -> str:
    return f"{day:%-d %b %Y}" if day else "never"


def _yes(value: bool) -> str:
    return "yes" if value else "no"


# --- Export --------------------------------------------------------------------


def bundle_export(path: Path) -> Exported:
    """This handbook as a bundle at `path`: every chapter, every published page's
    published text with its settings, and the wait-time table."""
    contents = selectors.handbook_for_bundle()
    now = timezone.localtime()

    def write(archive) -> None:
        archive.writestr(
            zip_entry(MANIFEST, now),
            manifest_text(
                exported_at=now,
                exported_from=settings.SITE_URL,
                chapters=contents["chapters"],
            ),
        )
        archive.writestr(zip_entry(README, now), README_TEXT)
        for page in contents["pages"]:
            revision = page.published_revision
            archive.writestr(
                zip_entry(f"pages/{page.chapter.slug}/{page.slug}.md", now),
                page_text(
                    title=revision.title,
                    chapter=page.chapter.slug,
                    order=page.order,
                    review_interval_months=page.review_interval_months,
                    verified_on=page.last_reviewed_on,
                    members_only=page.members_only,
                    body=revision.body,
                ),
            )
        archive.writestr(
            zip_entry(TIMELINES_CSV, now),
            timelines_csv(
                {
                    column: row.country.code
                    if column == "country"
                    else getattr(row, column)
                    for column in CSV_COLUMNS
                }
                for row in contents["timelines"]
            ),
        )

    atomic_write(path, write)
    return Exported(
        chapters=len(contents["chapters"]),
        pages=len(contents["pages"]),
        timelines=len(contents["timelines"]),
        left_out=[page.wiki_key for page in contents["unpublished"]],
    )


# --- Plan ----------------------------------------------------------------------


def bundle_plan(bundle: Bundle) -> list[Step]:
    """What importing `bundle` would do, chapter by chapter, page by page and row
    by row (reads only)."""
    return [*_chapter_steps(bundle), *_page_steps(bundle), *_timeline_steps(bundle)]


def _chapter_steps(bundle: Bundle) -> list[Step]:
    existing = selectors.chapters_by_slug({c.slug for c in bundle.chapters})
    steps = []
    for data in bundle.chapters:
        current = existing.get(data.slug)
        step = Step("chapter", f"{data.slug}: {data.title}", CREATE, data, current)
        if current is not None:
            if current.title != data.title:
                step.changes.append(f"title “{current.title}” → “{data.title}”")
            if current.order != data.order:
                step.changes.append(f"order {current.order} → {data.order}")
            if current.intro != data.intro:
                step.changes.append("introduction")
            if current.visa_chapter != data.visa_chapter:
                step.changes.append(
                    f"visa chapter {_yes(current.visa_chapter)} → "
                    f"{_yes(data.visa_chapter)}"
                )
            step.action = UPDATE if step.changes else UNCHANGED
        steps.append(step)
    return steps


def _page_steps(bundle: Bundle) -> list[Step]:
    existing = selectors.pages_with_newest_text({p.key for p in bundle.pages})
    steps = []
    for data in bundle.pages:
        label = f"{data.key}: {data.title}"
        if data.key not in existing:
            steps.append(
                Step("page", label, CREATE, data, changes=["a draft"], new_text=True)
            )
            continue
        page, newest = existing[data.key]
        step = Step("page", label, UNCHANGED, data, page)
        if newest is None or (newest.title, newest.body) != (data.title, data.body):
            if selectors.text_declined_before(page, title=data.title, body=data.body):
                step.notes.append("this text was declined here before: not offered")
            else:
                step.new_text = True
                what = [
                    word
                    for word, differs in (
                        ("title", newest is None or newest.title != data.title),
                        ("text", newest is None or newest.body != data.body),
                    )
                    if differs
                ]
                step.changes.append(f"a draft of the new {' and '.join(what)}")
        if page.order != data.order:
            step.changes.append(f"order {page.order} → {data.order}")
        if page.review_interval_months != data.review_interval_months:
            step.changes.append(
                f"review every {page.review_interval_months} → "
                f"{data.review_interval_months} months"
            )
        if page.members_only != data.members_only:
            step.changes.append(
                f"members only {_yes(page.members_only)} → {_yes(data.members_only)}"
            )
        if not page.is_published and page.last_reviewed_on != data.verified_on:
            step.changes.append(
                f"verified on {day_text(page.last_reviewed_on)} → "
                f"{day_text(data.verified_on)}"
            )
        if step.changes:
            step.action = UPDATE
        steps.append(step)
    return steps


TIMELINE_CHANGES = {
    "wait_days": lambda a, b: f"wait {a} → {b} days",
    "processing_notes": lambda a, b: "notes",
    "source_url": lambda a, b: "source link",
    "last_verified": lambda a, b: f"last verified {day_text(a)} → {day_text(b)}",
    "is_example": lambda a, b: f"example {_yes(a)} → {_yes(b)}",
}


def _timeline_steps(bundle: Bundle) -> list[Step]:
    existing = selectors.timelines_by_key() if bundle.timelines else {}
    steps = []
    for data in bundle.timelines:
        code, visa, post = data.key
        label = f"{countries.name(code)} ({code}), {visa}, {post}"
        current = existing.get(data.key)
        step = Step("timeline", label, CREATE, data, current)
        if current is not None:
            step.changes = [
                describe(getattr(current, column), data.values[column])
                for column, describe in TIMELINE_CHANGES.items()
                if getattr(current, column) != data.values[column]
            ]
            if step.changes and current.last_verified > data.values["last_verified"]:
                step.action = KEEP
                step.notes.append(
                    f"verified here more recently ({day_text(current.last_verified)})"
                )
                step.changes = []
            else:
                step.action = UPDATE if step.changes else UNCHANGED
        steps.append(step)
    return steps


def totals(steps: list[Step]) -> Counter:
    return Counter(step.action for step in steps)


# --- Import --------------------------------------------------------------------


def _summary(bundle: Bundle) -> str:
    """The imported drafts' one-line summary (what readers see once published)."""
    when = day_text(bundle.exported_on) if bundle.exported_on else ""
    source = ", ".join(part for part in (bundle.exported_from, when) if part)
    return (f"Imported from a handbook bundle ({source})" if source else "Imported")[
        :300
    ]


@transaction.atomic
def bundle_apply(*, bundle: Bundle, by: User) -> list[Step]:
    """Import `bundle` as `by`, all or nothing: chapters and wait-time rows as they
    are, each new or changed page text as a draft for this group's editors."""
    if not can_edit(by):
        raise ValidationError(
            "Only handbook editors and co-leads import a handbook bundle."
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])
    steps = bundle_plan(bundle)
    summary = _summary(bundle)
    chapters: dict[str, Chapter] = {}
    for step in steps:
        data = step.data
        if step.kind == "chapter":
            chapter = step.current or Chapter(slug=data.slug)
            if step.action != UNCHANGED:
                chapter.title, chapter.order = data.title, data.order
                chapter.intro, chapter.visa_chapter = data.intro, data.visa_chapter
                services.chapter_save(chapter=chapter, by=by)
            chapters[data.slug] = chapter
        elif step.kind == "page" and step.action != UNCHANGED:
            page, verb, facts = _page_apply(
                step, chapter=chapters[data.chapter], author=by, summary=summary
            )
            if verb:
                record(actor=by, verb=verb, target=page, **facts, via=VIA)
        elif step.kind == "timeline" and step.action in (CREATE, UPDATE):
            row = step.current or VisaTimeline()
            for column, value in data.values.items():
                setattr(row, column, value)
            timelines.timeline_save(timeline=row, by=by)
    return steps


def _page_apply(step: Step, *, chapter: Chapter, author: User, summary: str):
    """Create or update one page; what the action log should say about it."""
    data = step.data
    if step.action == CREATE:
        page = Page(
            chapter=chapter,
            slug=data.slug,
            title=data.title,
            order=data.order,
            members_only=data.members_only,
            review_interval_months=data.review_interval_months,
            last_reviewed_on=data.verified_on,
            review_due_on=rules.review_due_on(
                data.verified_on, data.review_interval_months
            ),
        )
        page.full_clean(exclude=["published_revision"])
        page.save()
        revision = services.revision_import(
            page=page, title=data.title, body=data.body, summary=summary, author=author
        )
        return page, "created", {"revision": revision.number}
    page: Page = step.current
    fields, facts = [], {}
    settings_now = (page.order, page.members_only, page.review_interval_months)
    if settings_now != (data.order, data.members_only, data.review_interval_months):
        page = services.page_settings_update(
            page=page,
            by=author,
            order=data.order,
            members_only=data.members_only,
            review_interval_months=data.review_interval_months,
        )
    if not page.is_published and page.last_reviewed_on != data.verified_on:
        page.last_reviewed_on = data.verified_on
        page.review_due_on = rules.review_due_on(
            data.verified_on, page.review_interval_months
        )
        page.save(update_fields=["last_reviewed_on", "review_due_on"])
        fields.append("last verified on")
    if step.new_text:
        revision = services.revision_import(
            page=page, title=data.title, body=data.body, summary=summary, author=author
        )
        fields.append("text")
        facts["revision"] = revision.number
    if not fields:
        return page, None, {}
    return page, "changed", {"fields": fields, **facts}
