"""The starter handbook for `seed_demo`: the chapters of ../shared/DOMAIN.md, each
page with three published revisions (a first version, an added section, then its
official sources) spread over the past year, two visa pages left overdue for
review, one member's suggestion waiting for review, and example wait times.
Runs only when the handbook is empty (a second run changes nothing)."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from handbook import services, timelines
from handbook.demo_content import CHAPTERS, TIMELINES, WAIT_TIMES
from handbook.models import Chapter, Page, Revision, VisaTimeline, Watch
from members.models import Member, User

DEMO = "demo.imgportal.test"
# Pages whose last review is left over six months old, to show the stale flag.
OVERDUE = {"consulate-wait-times", "renewing-your-visa-abroad"}


def _versions(body: str) -> list[tuple[str, str]]:
    """Three texts of a page, oldest first, each with its change summary."""
    parts = body.split("\n## ")
    sources_at = next(
        i for i, p in enumerate(parts) if p.startswith("Official sources")
    )
    body_parts, sources = parts[:sources_at], parts[sources_at:]
    first = body_parts[: max(2, len(body_parts) - 1)]
    added = body_parts[len(first) :]
    versions = [("\n## ".join(first) + "\n", "First version")]
    if added:
        heading = added[0].splitlines()[0]
        versions.append(
            ("\n## ".join(body_parts) + "\n", f"Added a section: {heading}")
        )
    versions.append(
        ("\n## ".join(body_parts + sources), "Checked against the official sources")
    )
    return versions


@transaction.atomic
def seed_handbook() -> int:
    if Chapter.objects.exists():
        return 0
    editor = User.objects.filter(email=f"editor@{DEMO}").first()
    reviewer = User.objects.filter(email=f"colead@{DEMO}").first()
    if editor is None or reviewer is None:
        return 0
    now = timezone.now()
    pages = 0
    for order, spec in enumerate(CHAPTERS, start=1):
        chapter = Chapter.objects.create(
            slug=spec["slug"],
            title=spec["title"],
            intro=spec["intro"],
            order=order,
            visa_chapter=spec["visa"],
        )
        for page_order, page_spec in enumerate(spec["pages"], start=1):
            _seed_page(chapter, page_order, page_spec, editor, reviewer, now)
            pages += 1
    # Links between pages resolve once every page exists: render them again.
    for page in Page.objects.select_related("published_revision"):
        services.page_show(
            page=page, revision=page.published_revision, now=page.published_at
        )
    _seed_participation(now)
    _seed_timelines(reviewer, now)
    return pages


def _seed_page(chapter, order, spec, editor, reviewer, now) -> None:
    page = Page.objects.create(
        chapter=chapter,
        slug=spec["slug"],
        title=spec["title"],
        order=order,
        review_interval_months=6 if chapter.visa_chapter else 12,
    )
    versions = _versions(spec["body"])
    last_age = 220 if spec["slug"] in OVERDUE else 20 + 9 * (chapter.order + order)
    ages = [last_age + 200, last_age + 90, last_age][-len(versions) :]
    previous = None
    for number, ((body, summary), age) in enumerate(
        zip(versions, ages, strict=True), start=1
    ):
        when = now - timedelta(days=age)
        revision = Revision.objects.create(
            page=page,
            number=number,
            title=spec["title"],
            body=body,
            summary=summary,
            author=editor,
            created_at=when - timedelta(hours=20),
            based_on=previous,
            state=Revision.State.PUBLISHED,
            reviewed_by=reviewer,
            reviewed_at=when,
            published_at=when,
            previous_published=previous,
        )
        previous = revision
    services.page_show(page=page, revision=previous, now=previous.published_at)


def _seed_participation(now) -> None:
    resident = Member.objects.filter(user__email=f"resident@{DEMO}").first()
    if resident is None:
        return
    travel = Chapter.objects.get(slug="travel-and-visa-renewal")
    Watch.objects.get_or_create(member=resident, chapter=travel)
    page = Page.objects.get(slug="ssn-bank-phone")
    current = page.published_revision
    Revision.objects.create(
        page=page,
        number=current.number + 1,
        title=current.title,
        body=current.body.replace(
            "The card arrives by post in about two weeks;",
            "The card arrives by post in two to four weeks (mine took three);",
        ),
        summary="The SSN card took three weeks for me",
        author=resident.user,
        created_at=now - timedelta(days=2),
        based_on=current,
        is_suggestion=True,
    )


def _seed_timelines(by, now) -> None:
    for country, visa, post, days, notes in TIMELINES:
        row = VisaTimeline(
            country=country,
            visa_type=visa,
            post=post,
            wait_days=days,
            processing_notes=notes,
            last_verified=(now - timedelta(days=30)).date(),
            source_url=WAIT_TIMES,
            is_example=True,
            updated_by=by,
        )
        row.search_text = timelines.timeline_search_text(row)
        row.save()
        services.words_add(row.search_text)
