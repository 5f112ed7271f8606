"""Full-text search over published pages: ranked, highlighted, forgiving."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handbook import selectors, services
from tests.conftest import client_for, page_text
from tests.factories import ChapterFactory, bulk_published_pages, published_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def handbook(co_lead):
    chapter = ChapterFactory()
    pages = {
        "title": published_page(
            by=co_lead.user,
            chapter=chapter,
            title="Travel signature",
            body="Ask your program a week before you leave.",
        ),
        "heading": published_page(
            by=co_lead.user,
            chapter=chapter,
            title="Going home for a holiday",
            body="Plan early.\n\n## The travel signature\n\nECFMG signs it.",
        ),
        "body": published_page(
            by=co_lead.user,
            chapter=chapter,
            title="Visa stamps",
            body="Before you travel, check the signature on your DS-2019 and "
            "your I-797 approval notice.",
        ),
        "members": published_page(
            by=co_lead.user,
            chapter=chapter,
            title="Private housing list",
            body="Buildings where members rented: ask about the travel signature.",
            members_only=True,
        ),
    }
    return pages


def _titles(viewer, query):
    return [r.title for r in selectors.search_pages(viewer, query).results]


def test_title_matches_rank_above_headings_above_body(handbook, resident):
    titles = _titles(resident.user, "travel signature")
    assert titles[:2] == ["Travel signature", "Going home for a holiday"]
    assert titles.index("Private housing list") == 2  # a body match, members see it


def test_visitors_do_not_find_members_only_pages(handbook, client):
    assert "Private housing list" not in _titles(AnonymousUser(), "travel signature")
    response = client.get(reverse("handbook:search"), {"q": "travel signature"})
    assert "Private housing list" not in page_text(response)


def test_form_codes_are_found(handbook, resident):
    assert _titles(resident.user, "DS-2019") == ["Visa stamps"]
    assert _titles(resident.user, "I-797") == ["Visa stamps"]


def test_near_misses_are_corrected_to_the_handbooks_own_words(handbook, client):
    response = client.get(reverse("handbook:search"), {"q": "travle signatur"})
    text = page_text(response)
    assert "Showing results for <strong>“travel signature”</strong>" in text
    assert "Search instead for “travle signatur”" in text
    assert "Travel signature" in text
    assert "<mark>" in response.content.decode()
    search = selectors.search_pages(AnonymousUser(), "DS2019 aproval")
    assert search.corrected == "ds2019 approval"
    assert [r.title for r in search.results] == ["Visa stamps"]


def test_words_nobody_wrote_find_nothing_and_suggest_nothing(handbook, resident):
    search = selectors.search_pages(resident.user, "zzqx wibble")
    assert (search.results, search.corrected) == ([], None)


def test_snippets_mark_the_words_and_escape_the_page_text(co_lead, resident):
    published_page(
        by=co_lead.user,
        title="Tricky",
        body="Deposits <b>matter</b> when you rent a flat & more.",
    )
    results = selectors.search_pages(resident.user, "deposits").results
    assert "<mark>Deposits</mark>" in results[0].snippet
    assert "<b>" not in results[0].snippet


def test_drafts_are_not_searchable(co_lead, resident, handbook):
    page = handbook["title"]
    services.revision_save(
        page=page,
        title=page.title,
        body="Secret draft words zanzibar.",
        summary="Draft",
        author=co_lead.user,
        base=services.head_revision(page),
    )
    assert _titles(resident.user, "zanzibar") == []


@pytest.mark.parametrize(
    "query",
    ["", "   ", "x" * 5000, "'; DROP TABLE handbook_page; --", "a\x00b", "!!! & | <>"],
)
def test_odd_searches_return_a_normal_page(client, handbook, query):
    response = client.get(reverse("handbook:search"), {"q": query})
    assert response.status_code == 200
    assert "Search the handbook" in page_text(response)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(query=st.text(max_size=300))
def test_no_search_gives_a_server_error(client, handbook, query):
    response = client.get(reverse("handbook:search"), {"q": query})
    assert response.status_code == 200
    main = response.content.decode().split("<main", 1)[1].split("</main>")[0]
    assert "<script" not in main


def test_the_search_page_runs_the_same_queries_with_10_and_1000_pages(
    co_lead, resident
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(resident)
    chapter = ChapterFactory()

    def count(n):
        bulk_published_pages(chapter, n - chapter.pages.count(), author=co_lead.user)
        client.get(reverse("handbook:search"), {"q": "flat"})
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("handbook:search"), {"q": "flat"})
        return len(queries)

    assert count(10) == count(1000)


def test_visitors_repeat_searches_come_from_the_cache_and_change_on_publish(
    handbook,
    client,
    co_lead,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
):
    url = reverse("handbook:search")
    first = page_text(client.get(url, {"q": "guarantor"}))
    assert "Nothing found for “guarantor”" in first
    with django_assert_num_queries(0):
        again = client.get(url, {"q": "guarantor"})
    assert page_text(again) == first
    with django_capture_on_commit_callbacks(execute=True):
        published_page(
            by=co_lead.user,
            chapter=handbook["title"].chapter,
            title="Guarantor services",
            body="A guarantor co-signs the lease.",
        )
    assert "Guarantor services" in page_text(client.get(url, {"q": "guarantor"}))


def test_signed_in_searches_are_never_served_a_visitors_copy(
    handbook, client, resident
):
    url = reverse("handbook:search")
    assert "Private housing list" not in page_text(
        client.get(url, {"q": "travel signature"})
    )
    member_view = page_text(client_for(resident).get(url, {"q": "travel signature"}))
    assert "Private housing list" in member_view
