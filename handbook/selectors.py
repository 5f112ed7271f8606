"""Reads of the handbook, scoped to the viewer: a page they may not read is simply
not found. Search is PostgreSQL full-text search over the published copy on each
`Page` row (a stored, GIN-indexed vector: title A, headings B, body C), with a
trigram fallback for near-misses and form codes."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    TrigramSimilarity,
)
from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from handbook.models import Chapter, Page, Revision, SearchWord, VisaTimeline, Watch
from handbook.permissions import pages_readable_by

SEARCH_MAX_LENGTH = 200
SEARCH_LIMIT = 20
MAX_CORRECTED_WORDS = 6
# Rare control characters as highlight markers: the snippet is escaped first, then
# the markers become <mark>, so page text can never inject markup.
START, STOP = "\x02", "\x03"


def chapters_for(viewer) -> list[Chapter]:
    """Chapters with the pages this viewer may read, in order (two queries)."""
    pages = pages_readable_by(viewer).order_by("order", "title")
    return list(
        Chapter.objects.prefetch_related(
            Prefetch("pages", queryset=pages, to_attr="readable_pages")
        )
    )


def chapter_for(viewer, slug: str) -> Chapter:
    """One chapter with its readable pages (Chapter.DoesNotExist → 404)."""
    pages = pages_readable_by(viewer).order_by("order", "title")
    return Chapter.objects.prefetch_related(
        Prefetch("pages", queryset=pages, to_attr="readable_pages")
    ).get(slug=slug)


def page_for(viewer, chapter_slug: str, page_slug: str) -> Page:
    """A page the viewer may read, with its chapter (Page.DoesNotExist → 404)."""
    return (
        pages_readable_by(viewer)
        .select_related("chapter", "published_revision")
        .get(chapter__slug=chapter_slug, slug=page_slug)
    )


def page_any(chapter_slug: str, page_slug: str) -> Page:
    """A page whatever its visibility (to decide between 404 and sign-in)."""
    return Page.objects.select_related("chapter").get(
        chapter__slug=chapter_slug, slug=page_slug
    )


def siblings(page: Page, viewer) -> list[Page]:
    return list(
        pages_readable_by(viewer)
        .filter(chapter_id=page.chapter_id)
        .only("slug", "title", "chapter_id", "order")
        .order_by("order", "title")
    )


def is_watching(member, page: Page) -> dict[str, bool]:
    """Whether the member watches this page and its chapter (one query)."""
    if member is None:
        return {"page": False, "chapter": False}
    rows = list(
        Watch.objects.filter(member=member)
        .filter(Q(page=page) | Q(chapter_id=page.chapter_id))
        .values_list("page_id", "chapter_id")
    )
    return {
        "page": any(p == page.pk for p, _ in rows),
        "chapter": any(c == page.chapter_id for _, c in rows),
    }


def pending_count(page: Page) -> int:
    return page.revisions.filter(state=Revision.State.DRAFT).count()


def page_history(page: Page) -> QuerySet[Revision]:
    return page.revisions.select_related("author", "reviewed_by").order_by("-number")


def revision_for_editor(pk: int) -> Revision:
    return Revision.objects.select_related(
        "page__chapter",
        "author",
        "reviewed_by",
        "based_on",
        "restored_from",
        "previous_published",
    ).get(pk=pk)


def revision_as_of(page: Page, day: date) -> Revision | None:
    """The text readers saw at the end of `day` (None: not published yet)."""
    end = datetime.combine(day, time.max, tzinfo=timezone.get_current_timezone())
    return (
        page.revisions.filter(published_at__lte=end)
        .select_related("author", "reviewed_by")
        .order_by("-published_at")
        .first()
    )


def pending_reviews(viewer) -> QuerySet[Revision]:
    """Drafts waiting for a reviewer, oldest first."""
    return (
        Revision.objects.filter(state=Revision.State.DRAFT)
        .select_related("page__chapter", "author")
        .order_by("created_at")
    )


def recent_changes(viewer) -> QuerySet[Revision]:
    """Published revisions of pages this viewer may read, newest first."""
    readable = pages_readable_by(viewer).filter(published_revision__isnull=False)
    return (
        Revision.objects.filter(state=Revision.State.PUBLISHED, page__in=readable)
        .select_related("page__chapter")
        .order_by("-published_at", "-pk")
    )


# --- Search ---------------------------------------------------------------------


@dataclass
class SearchResult:
    page: Page
    snippet: SafeString


def clean_query(raw: str) -> str:
    """What is worth searching for: printable text, bounded in length.
    (PostgreSQL refuses NUL characters; nobody types a 10,000-character query.)"""
    text = "".join(ch for ch in raw if ch.isprintable() or ch == " ")
    return re.sub(r"\s+", " ", text).strip()[:SEARCH_MAX_LENGTH]


def _highlighted(text: str) -> SafeString:
    marked = escape(text).replace(START, "<mark>").replace(STOP, "</mark>")
    if marked.count("<mark>") != marked.count("</mark>"):
        marked = marked.replace("<mark>", "").replace("</mark>", "")
    return mark_safe(marked)  # noqa: S308 (escaped above; only <mark> added)


def _full_text(pages: QuerySet[Page], text: str) -> list[SearchResult]:
    query = SearchQuery(text, search_type="websearch", config="english")
    found = (
        pages.filter(search_vector=query)
        .annotate(
            rank=SearchRank(F("search_vector"), query),
            snippet=SearchHeadline(
                "body_text",
                query,
                config="english",
                start_sel=START,
                stop_sel=STOP,
                max_words=35,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        )
        .select_related("chapter")
        .order_by("-rank", "title")[:SEARCH_LIMIT]
    )
    return [SearchResult(p, _highlighted(p.snippet)) for p in found]


def corrected_query(text: str) -> str | None:
    """The query with each unknown word replaced by the closest word the handbook
    uses ("travle signatur" → "travel signature"); None if nothing changes.
    One indexed query per word, at most MAX_CORRECTED_WORDS words."""
    from handbook.services import WORD

    words = WORD.findall(text.lower())[:MAX_CORRECTED_WORDS]
    corrected = []
    for word in words:
        closest = (
            SearchWord.objects.filter(Q(word=word) | Q(word__trigram_similar=word))
            .annotate(similarity=TrigramSimilarity("word", word))
            .order_by("-similarity", "word")
            .values_list("word", flat=True)
            .first()
        )
        corrected.append(closest or word)
    return " ".join(corrected) if corrected and corrected != words else None


def search_pages(viewer, raw_query: str) -> tuple[list[SearchResult], str | None]:
    """Ranked results with highlighted snippets; when the words match nothing, the
    results for the corrected query and that query ("did you mean")."""
    query_text = clean_query(raw_query)
    if not query_text:
        return [], None
    readable = pages_readable_by(viewer).filter(published_revision__isnull=False)
    results = _full_text(readable, query_text)
    if results:
        return results, None
    suggestion = corrected_query(query_text)
    if suggestion is None:
        return [], None
    return _full_text(readable, suggestion), suggestion


# --- Visa timelines ---------------------------------------------------------------


def timelines() -> QuerySet[VisaTimeline]:
    return VisaTimeline.objects.all().order_by("country", "visa_type", "post")
