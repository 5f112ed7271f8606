"""The handbook's pages for each kind of visitor."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from handbook import services
from handbook.models import Page, Revision, VisaTimeline
from members.models import Role
from tests.conftest import client_for, page_text
from tests.factories import (
    ChapterFactory,
    MemberFactory,
    TimelineFactory,
    bulk_published_pages,
    published_page,
)

pytestmark = pytest.mark.django_db


def _url(name, page, *args):
    return reverse(f"handbook:{name}", args=[page.chapter.slug, page.slug, *args])


@pytest.fixture
def page(co_lead):
    return published_page(by=co_lead.user)


def test_visitors_read_published_pages_with_their_freshness(client, page):
    text = page_text(client.get(page.get_absolute_url()))
    assert "Finding a flat" in text
    assert "Offer a larger deposit" in text
    assert "Last verified on" in text
    assert f">{timezone.localdate():%a %-d %b %Y}</time>" in text
    assert 'href="#section-without-a-credit-history"' in text  # table of contents
    assert "Suggest an edit" not in text and "History" not in text


def test_a_stale_page_warns_readers(client, page):
    Page.objects.filter(pk=page.pk).update(
        review_due_on=timezone.localdate() - timedelta(days=3)
    )
    text = page_text(client.get(page.get_absolute_url()))
    assert "This page is due for review" in text


def test_members_only_pages_ask_visitors_to_sign_in(client, co_lead, resident):
    private = published_page(by=co_lead.user, title="Members list", members_only=True)
    response = client.get(private.get_absolute_url())
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert client_for(resident).get(private.get_absolute_url()).status_code == 200


def test_unpublished_pages_are_hidden_from_readers_but_not_editors(
    co_lead, resident, handbook_editor
):
    draft_page = services.page_create(
        chapter=ChapterFactory(),
        title="Coming soon",
        slug="coming-soon",
        body="Draft text.",
        summary="First draft",
        members_only=False,
        author=handbook_editor.user,
    )
    assert client_for(resident).get(draft_page.get_absolute_url()).status_code == 404
    text = page_text(client_for(co_lead).get(draft_page.get_absolute_url()))
    assert "not published yet" in text


def test_a_resident_suggests_an_edit_and_an_empty_summary_keeps_their_text(
    resident, page
):
    client = client_for(resident)
    url = _url("page_suggest", page)
    response = client.post(
        url, {"title": page.title, "body": "My better advice.", "summary": ""}
    )
    assert response.status_code == 200
    text = page_text(response)
    assert "Say in a few words what you changed" in text
    assert "My better advice." in text
    response = client.post(
        url,
        {"title": page.title, "body": "My better advice.", "summary": "Deposit tip"},
    )
    assert response.status_code == 302
    suggestion = page.revisions.get(is_suggestion=True)
    assert suggestion.state == Revision.State.DRAFT
    assert suggestion.author == resident.user


def test_an_editor_drafts_and_a_second_editor_publishes(handbook_editor, page):
    client = client_for(handbook_editor)
    form = client.get(_url("page_edit", page)).context["form"]
    response = client.post(
        _url("page_edit", page),
        {
            "title": page.title,
            "body": "New text about guarantors.",
            "summary": "Guarantor services",
            "base": form.initial["base"],
        },
    )
    draft = page.revisions.get(number=2)
    assert response.url == draft.get_absolute_url()
    review = page_text(client.get(draft.get_absolute_url()))
    assert "You wrote this edit" in review
    client.post(
        reverse("handbook:revision_review", args=[draft.pk]), {"action": "publish"}
    )
    draft.refresh_from_db()
    assert draft.state == Revision.State.DRAFT  # refused: same person

    reviewer = MemberFactory(roles=[Role.RESIDENT, Role.HANDBOOK_EDITOR])
    response = client_for(reviewer).post(
        reverse("handbook:revision_review", args=[draft.pk]), {"action": "publish"}
    )
    assert response.url == page.get_absolute_url()
    assert "New text about guarantors." in page_text(
        client_for(reviewer).get(page.get_absolute_url())
    )


def test_a_second_editor_is_told_of_the_conflict_and_loses_nothing(
    co_lead, handbook_editor, page
):
    first, second = client_for(handbook_editor), client_for(co_lead)
    base = first.get(_url("page_edit", page)).context["form"].initial["base"]
    second.get(_url("page_edit", page))
    first.post(
        _url("page_edit", page),
        {"title": page.title, "body": "First.", "summary": "One", "base": base},
    )
    mine = {"title": page.title, "body": "Second, carefully typed.", "summary": "Two"}
    response = second.post(_url("page_edit", page), {**mine, "base": base})
    assert response.status_code == 409
    text = page_text(response)
    assert "Someone saved this page while you were editing it" in text
    assert "Second, carefully typed." in text  # kept in the form
    # What they changed is shown, highlighted.
    assert "<ins>First</ins>" in response.content.decode()
    new_base = response.context["form"].data["base"]
    response = second.post(_url("page_edit", page), {**mine, "base": new_base})
    assert response.status_code == 302
    assert page.revisions.count() == 3


def test_diffs_highlight_changes_and_refuse_two_pages(co_lead, page):
    client = client_for(co_lead)
    services.revision_save(
        page=page,
        title=page.title,
        body=page.published_revision.body.replace("six weeks", "eight weeks"),
        summary="Longer",
        author=co_lead.user,
        base=page.published_revision,
    )
    old, new = page.revisions.order_by("number")
    response = client.get(reverse("handbook:diff"), {"from": old.pk, "to": new.pk})
    html = response.content.decode()
    assert "<del>six</del><ins>eight</ins>" in html
    other = published_page(by=co_lead.user, title="Other page")
    response = client.get(
        reverse("handbook:diff"), {"from": old.pk, "to": other.published_revision.pk}
    )
    assert response.status_code == 400
    assert "two different pages" in page_text(response)


def test_history_restore_and_the_page_on_a_past_date(co_lead, page):
    client = client_for(co_lead)
    first = page.published_revision
    services.revision_save(
        page=page,
        title=page.title,
        body="Wrong advice.",
        summary="Oops",
        author=co_lead.user,
        base=first,
        publish=True,
    )
    history = page_text(client.get(_url("page_history", page)))
    assert "Oops" in history and "First version" in history
    yesterday = timezone.localdate() - timedelta(days=1)
    response = client.get(_url("page_as_of", page), {"date": yesterday.isoformat()})
    assert "not published yet on that day" in page_text(response)
    response = client.get(
        _url("page_as_of", page), {"date": timezone.localdate().isoformat()}
    )
    assert "Wrong advice." in page_text(response)
    response = client.post(
        reverse("handbook:revision_restore", args=[first.pk]),
        {"summary": "Back to the first version"},
    )
    restored = page.revisions.get(number=3)
    assert response.url == restored.get_absolute_url()
    assert restored.body == first.body


def test_readers_see_summaries_of_changes_and_editors_the_diffs(client, co_lead, page):
    services.revision_save(
        page=page,
        title=page.title,
        body="Updated.",
        summary="New deposit rules",
        author=co_lead.user,
        base=page.published_revision,
        publish=True,
    )
    reader = page_text(client.get(reverse("handbook:changes")))
    assert "New deposit rules" in reader
    assert "see the difference" not in reader
    editor = page_text(client_for(co_lead).get(reverse("handbook:changes")))
    assert "see the difference" in editor


def test_members_watch_and_unwatch_a_page(resident, page):
    client = client_for(resident)
    client.post(_url("page_watch", page), {"watching": "1"})
    assert "Stop watching this page" in page_text(client.get(page.get_absolute_url()))
    client.post(_url("page_watch", page), {"watching": "0"})
    assert "Watch this page" in page_text(client.get(page.get_absolute_url()))


def test_the_timeline_table_filters_and_marks_the_readers_country(resident, co_lead):
    TimelineFactory(country="IN", post="Mumbai")
    TimelineFactory(country="NG", post="Lagos")
    client = client_for(resident)  # home country: India
    html = client.get(reverse("handbook:timelines")).content.decode()
    assert html.count('data-home="1"') == 1
    filtered = page_text(client.get(reverse("handbook:timelines"), {"country": "NG"}))
    assert "Lagos" in filtered and "Mumbai" not in filtered


def test_a_bad_wait_time_is_shown_next_to_the_field_and_kept(co_lead):
    response = client_for(co_lead).post(
        reverse("handbook:timeline_create"),
        {
            "country": "IN",
            "visa_type": "J-1",
            "post": "Chennai",
            "wait_days": "5000",
            "last_verified": "2026-11-01",
            "source_url": "https://travel.state.gov/x",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["wait_days"]
    assert 'value="Chennai"' in response.content.decode()
    assert not VisaTimeline.objects.exists()


def test_co_leads_add_editors_by_email(co_lead, resident):
    client = client_for(co_lead)
    response = client.post(reverse("handbook:editors"), {"email": "nobody@example.org"})
    assert "No member has that email address." in page_text(response)
    client.post(reverse("handbook:editors"), {"email": resident.user.email.upper()})
    assert resident.user.groups.filter(name=Role.HANDBOOK_EDITOR).exists()
    client.post(reverse("handbook:editors"), {"remove": resident.pk})
    assert not resident.user.groups.filter(name=Role.HANDBOOK_EDITOR).exists()


def test_a_handbook_editor_reaches_editor_pages_but_not_editor_management(
    handbook_editor, page
):
    client = client_for(handbook_editor)
    assert client.get(_url("page_history", page)).status_code == 200
    assert client.get(reverse("handbook:reviews")).status_code == 200
    assert client.get(reverse("handbook:editors")).status_code == 403


def test_editors_create_pages_and_mark_them_verified(co_lead):
    chapter = ChapterFactory(visa_chapter=True)
    client = client_for(co_lead)
    response = client.post(
        reverse("handbook:page_create", args=[chapter.slug]),
        {
            "title": "Stamp renewal",
            "slug": "",
            "body": "Renew abroad.",
            "summary": "New page",
            "publish": "on",
        },
    )
    page = Page.objects.get(slug="stamp-renewal")
    assert response.url == page.get_absolute_url()
    assert page.review_interval_months == 6
    Page.objects.filter(pk=page.pk).update(last_reviewed_on="2025-01-01")
    client.post(_url("page_verify", page))
    page.refresh_from_db()
    assert page.last_reviewed_on == timezone.localdate()


def test_the_print_view_holds_every_page_of_the_chapter(client, co_lead, page):
    published_page(by=co_lead.user, chapter=page.chapter, title="Second page")
    text = page_text(
        client.get(reverse("handbook:chapter_print", args=[page.chapter.slug]))
    )
    assert "Offer a larger deposit" in text and "Second page" in text


def _count(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return len(queries)


@pytest.mark.parametrize("viewer", ["anonymous", "resident", "co_lead"])
def test_a_page_view_costs_the_same_with_10_and_1000_revisions(
    viewer, request, co_lead, page
):
    client = (
        client_for(request.getfixturevalue(viewer))
        if viewer != "anonymous"
        else request.getfixturevalue("client")
    )

    def count(n):
        top = page.revisions.count()
        Revision.objects.bulk_create(
            Revision(
                page=page,
                number=top + i + 1,
                title=page.title,
                body="x",
                summary="s",
                author=co_lead.user,
            )
            for i in range(n - top)
        )
        return _count(client, page.get_absolute_url())

    assert count(10) == count(1000)


@pytest.mark.parametrize("name", ["handbook:index", "handbook:changes", "chapter"])
def test_handbook_lists_cost_the_same_with_10_and_1000_pages(name, resident, co_lead):
    chapter = ChapterFactory()
    client = client_for(resident)
    url = chapter.get_absolute_url() if name == "chapter" else reverse(name)

    def count(n):
        bulk_published_pages(chapter, n - chapter.pages.count(), author=co_lead.user)
        return _count(client, url)

    assert count(10) == count(1000)


def _publish_guarantors(page, co_lead, capture) -> None:
    with capture(execute=True):
        services.revision_save(
            page=page,
            title=page.title,
            body="Guarantor services help.",
            summary="Guarantors",
            author=co_lead.user,
            base=page.published_revision,
            publish=True,
        )


def test_visitors_get_cached_pages_that_change_when_a_revision_is_published(
    client, co_lead, page, django_assert_num_queries, django_capture_on_commit_callbacks
):
    """The second visit costs no database query; publishing shows at once."""
    assert "Offer a larger deposit" in page_text(client.get(page.get_absolute_url()))
    with django_assert_num_queries(0):
        response = client.get(page.get_absolute_url())
    assert "Offer a larger deposit" in page_text(response)
    _publish_guarantors(page, co_lead, django_capture_on_commit_callbacks)
    assert "Guarantor services help." in page_text(client.get(page.get_absolute_url()))


def test_signed_in_readers_are_never_served_a_visitors_copy(client, resident, page):
    client.get(page.get_absolute_url())
    text = page_text(client_for(resident).get(page.get_absolute_url()))
    assert "Watch this page" in text and "Suggest an edit" in text


def _redis_down(settings) -> None:
    from tests.servers import free_port

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


def test_visitors_still_read_and_search_the_handbook_with_redis_down(
    client, page, settings
):
    _redis_down(settings)
    response = client.get(page.get_absolute_url())
    assert response.status_code == 200
    assert "Offer a larger deposit" in page_text(response)
    found = client.get(reverse("handbook:search"), {"q": "deposit"})
    assert found.status_code == 200
    assert page.title in page_text(found)


def test_publishing_with_redis_down_is_saved_and_shown(
    client, co_lead, page, settings, django_capture_on_commit_callbacks
):
    _redis_down(settings)
    _publish_guarantors(page, co_lead, django_capture_on_commit_callbacks)
    assert "Guarantor services help." in page_text(client.get(page.get_absolute_url()))
