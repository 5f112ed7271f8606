"""Reads of the handbook, scoped to the viewer: a page they may not read is simply
not found. Search is PostgreSQL full-text search over the published copy on each
`Page` row (a stored, GIN-indexed vector: title A, headings B, body C), with a
trigram fallback for near-misses and form codes."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
    TrigramSimilarity,
)
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe

from handbook import rules, search_terms
from handbook.models import (
    Attachment,
    Chapter,
    Page,
    ReviewComment,
    Revision,
    SearchWord,
    VisaTimeline,
    Watch,
)
from handbook.permissions import pages_readable_by
from members.models import Member

SEARCH_MAX_LENGTH = 200
SEARCH_LIMIT = 20
MAX_QUERY_WORDS = 8
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


def review_round(revision: Revision) -> QuerySet[ReviewComment]:
    """Reviewers' requests for changes in this round of edits: on this revision
    and the drafts before it since the page was last published (one query)."""
    last_published = (
        revision.page.revisions.filter(
            state=Revision.State.PUBLISHED, number__lt=revision.number
        )
        .order_by("-number")
        .values("number")[:1]
    )
    return (
        ReviewComment.objects.filter(
            revision__page_id=revision.page_id,
            revision__number__lte=revision.number,
            revision__number__gt=Coalesce(Subquery(last_published), 0),
        )
        .select_related("revision", "by")
        .order_by("created_at", "pk")
    )


def attachments_of(page: Page) -> QuerySet[Attachment]:
    """A page's uploaded files, newest first, for its editors."""
    return page.attachments.select_related("uploaded_by__user").order_by(
        "-created_at", "-pk"
    )


def attachment_for(viewer, pk: int) -> Attachment:
    """A file of a page this viewer may read (Attachment.DoesNotExist → 404)."""
    return Attachment.objects.select_related("page").get(
        pk=pk, page__in=pages_readable_by(viewer)
    )


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


def sent_back_to(viewer) -> QuerySet[Revision]:
    """The viewer's own edits a reviewer sent back ("request changes") that
    they have not edited again yet (editing makes a newer revision of the
    page), newest first: the next step on their home page."""
    newer = Revision.objects.filter(
        page=OuterRef("page"), created_at__gt=OuterRef("created_at")
    )
    return (
        Revision.objects.filter(author=viewer, state=Revision.State.CHANGES_REQUESTED)
        .exclude(Exists(newer))
        .select_related("page__chapter")
        .order_by("-created_at", "-pk")
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
    title: str
    url: str
    where: str  # the chapter, or the wait-times table
    snippet: SafeString
    rank: float
    page: Page | None = None


@dataclass
class Search:
    results: list[SearchResult]
    corrected: str | None = (
        None  # the corrected words, when the typed ones found nothing
    )
    notice: str | None = None  # what we did with odd input, in words
    searched: bool = True  # False when there was nothing to search for


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


def query_words(text: str) -> list[str]:
    from handbook.services import WORD

    return WORD.findall(search_terms.canonical(text).lower())[:MAX_QUERY_WORDS]


def _word(word: str) -> SearchQuery:
    query = SearchQuery(word, search_type="plain", config="english")
    for other in sorted(search_terms.SYNONYMS.get(word, ())):
        query |= SearchQuery(
            search_terms.canonical(other), search_type="phrase", config="english"
        )
    return query


def build_query(words: list[str]) -> SearchQuery | None:
    """Every word (or one of its synonyms) must be there."""
    query = None
    for word in words:
        query = _word(word) if query is None else query & _word(word)
    return query


def _pages(pages: QuerySet[Page], words: list[str]) -> list[SearchResult]:
    query = build_query(words)
    # The snippet is cut from the page's own text, where codes keep their
    # hyphen ("H-1B"): mark those spellings too.
    marks = query | SearchQuery(
        search_terms.hyphenated(" ".join(words)), search_type="plain", config="english"
    )
    found = (
        pages.filter(search_vector=query)
        .annotate(
            rank=SearchRank(F("search_vector"), query),
            snippet=SearchHeadline(
                "body_text",
                marks,
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
    return [
        SearchResult(
            title=p.title,
            url=p.get_absolute_url(),
            where=p.chapter.title,
            snippet=_highlighted(p.snippet),
            rank=p.rank,
            page=p,
        )
        for p in found
    ]


def _wait_times(words: list[str]) -> list[SearchResult]:
    """The consulate wait-times table, one result per country whose rows match
    (its names, posts, visa types and notes are indexed)."""
    query = build_query(words)
    rows = (
        VisaTimeline.objects.annotate(
            document=SearchVector("search_text", config="english"),
        )
        .filter(document=query)
        .annotate(rank=SearchRank(F("document"), query))
        .order_by("country", "visa_type", "post")[:200]
    )
    by_country: dict[str, list[VisaTimeline]] = {}
    for row in rows:
        by_country.setdefault(row.country.code, []).append(row)
    results = []
    for code, found in by_country.items():
        name = found[0].country.name
        listed = "; ".join(
            f"{r.post}, {r.visa_type}: {r.wait_days} days" for r in found[:6]
        )
        more = f" … and {len(found) - 6} more" if len(found) > 6 else ""
        results.append(
            SearchResult(
                title=f"Visa interview wait times: {name}",
                url=f"{reverse('handbook:timelines')}?{urlencode({'country': code})}",
                where="Consulate wait-times table",
                snippet=escape(f"{listed}{more}"),
                rank=max(r.rank for r in found),
            )
        )
    return results[:3]


def _found(readable: QuerySet[Page], words: list[str]) -> list[SearchResult]:
    results = _pages(readable, words) + _wait_times(words)
    results.sort(key=lambda r: -r.rank)  # stable: pages first on a tie
    return results[:SEARCH_LIMIT]


def corrected_words(words: list[str]) -> list[str] | None:
    """The words with each one the handbook never uses replaced by the closest
    one it does, if that is a plausible typo ("travle signatur" → "travel
    signature"; "housing" is left alone, not made "using"). None if nothing
    changes. One indexed query per word, at most MAX_QUERY_WORDS words."""
    corrected = []
    for word in words:
        candidates = list(
            SearchWord.objects.filter(Q(word=word) | Q(word__trigram_similar=word))
            .annotate(similarity=TrigramSimilarity("word", word))
            .order_by("-similarity", "word")
            .values_list("word", flat=True)[:8]
        )
        if word in candidates:
            corrected.append(word)
            continue
        closest = next(
            (c for c in candidates if search_terms.plausible_typo(word, c)), word
        )
        corrected.append(closest)
    return corrected if corrected != words else None


def search_pages(viewer, raw_query: str, *, exact: bool = False) -> Search:
    """Ranked results with highlighted snippets. Words are corrected only when
    the search as typed finds nothing (and not at all with `exact`)."""
    query_text = clean_query(raw_query)
    notice = None
    if len(raw_query.strip()) > SEARCH_MAX_LENGTH:
        notice = (
            f"Searches are limited to {SEARCH_MAX_LENGTH} characters: "
            f"this one was cut to its first {SEARCH_MAX_LENGTH}."
        )
    words = query_words(query_text)
    if not words:
        if query_text:
            notice = (
                f"“{query_text[:40]}” has no letters or numbers to search for. "
                "Type a word or a form's name."
            )
        return Search([], notice=notice, searched=False)
    readable = pages_readable_by(viewer).filter(published_revision__isnull=False)
    results = _found(readable, words)
    if results or exact:
        return Search(results, notice=notice)
    corrected = corrected_words(words)
    if corrected is None:
        return Search([], notice=notice)
    return Search(_found(readable, corrected), " ".join(corrected), notice)


# --- Visa timelines ---------------------------------------------------------------


def timelines() -> QuerySet[VisaTimeline]:
    return VisaTimeline.objects.all().order_by("country", "visa_type", "post")


def digest_handbook_changes(since) -> tuple[str, list[str]] | None:
    """The weekly digest's section (registered in hooks.py)."""
    published = (
        Revision.objects.filter(
            state=Revision.State.PUBLISHED,
            published_at__gte=since,
            page__published_revision__isnull=False,
        )
        .select_related("page__chapter")
        .order_by("published_at")
    )
    lines = [
        f"{r.page.title}: {r.summary} {settings.SITE_URL}{r.page.get_absolute_url()}"
        for r in published
    ]
    return ("Handbook updates", lines) if lines else None


def editors() -> QuerySet[Member]:
    """Active members who may draft and review (the editor role and co-leads)."""
    permission = Permission.objects.get(
        content_type__app_label="handbook", codename="edit_handbook"
    )
    return (
        Member.objects.active()
        .filter(
            Q(user__groups__permissions=permission)
            | Q(user__user_permissions=permission)
        )
        .select_related("user")
        .distinct()
        .order_by("user__first_name", "user__last_name", "user__email")
    )


def pages_due_for_review(today) -> QuerySet[Page]:
    """Published pages past, or within two weeks of, their review date."""
    return (
        Page.objects.filter(
            published_revision__isnull=False,
            review_due_on__lte=today + timedelta(days=rules.DUE_SOON_DAYS),
        )
        .select_related("chapter")
        .order_by("review_due_on", "title")
    )


# --- Handbook bundles (handbook/bundles.py) -----------------------------------


def handbook_for_bundle() -> dict[str, list]:
    """Everything a bundle holds, in handbook order: chapters, published pages with
    their published revision, pages never published (left out), the wait times."""
    pages = list(
        Page.objects.select_related("chapter", "published_revision").order_by(
            "chapter__order", "chapter__title", "order", "title"
        )
    )
    return {
        "chapters": list(Chapter.objects.order_by("order", "title")),
        "pages": [page for page in pages if page.published_revision_id],
        "unpublished": [page for page in pages if not page.published_revision_id],
        "timelines": list(
            VisaTimeline.objects.order_by("country", "visa_type", "post")
        ),
    }


def chapters_by_slug(slugs: set[str]) -> dict[str, Chapter]:
    return {c.slug: c for c in Chapter.objects.filter(slug__in=slugs)}


def pages_with_newest_text(keys: set[str]) -> dict[str, tuple[Page, Revision | None]]:
    """Pages named `chapter/page`, each with its newest revision that was not
    declined (where the next edit starts), in two queries."""
    chapters = {key.split("/", 1)[0] for key in keys}
    pages = [
        page
        for page in Page.objects.filter(chapter__slug__in=chapters).select_related(
            "chapter"
        )
        if page.wiki_key in keys
    ]
    newest = {
        revision.page_id: revision
        for revision in Revision.objects.filter(page__in=pages)
        .exclude(state=Revision.State.DECLINED)
        .order_by("page_id", "-number")
        .distinct("page_id")
    }
    return {page.wiki_key: (page, newest.get(page.pk)) for page in pages}


def text_declined_before(page: Page, *, title: str, body: str) -> bool:
    """This exact text was offered for the page and turned down."""
    return page.revisions.filter(
        state=Revision.State.DECLINED, title=title, body=body
    ).exists()


def timelines_by_key() -> dict[tuple[str, str, str], VisaTimeline]:
    return {
        (row.country.code, row.visa_type, row.post): row
        for row in VisaTimeline.objects.all()
    }


def home_watched_changes(viewer, member, since, *, limit: int = 5) -> dict:
    """Pages in chapters (or pages) the member watches, published since `since`
    (their last visit; None: ever) and after they started watching, newest
    first, with the published revision's summary. Three queries."""
    from django.db.models import Exists, OuterRef

    watched = Watch.objects.filter(
        member=member, created_at__lt=OuterRef("published_at")
    )
    pages = (
        pages_readable_by(viewer)
        .filter(published_revision__isnull=False)
        .filter(
            Exists(watched.filter(chapter_id=OuterRef("chapter_id")))
            | Exists(watched.filter(page_id=OuterRef("pk")))
        )
        .select_related("chapter", "published_revision")
        .order_by("-published_at", "pk")
    )
    if since is not None:
        pages = pages.filter(published_at__gt=since)
    return {
        "pages": list(pages[:limit]),
        "count": pages.count(),
        "watching": Watch.objects.filter(member=member).exists(),
    }
