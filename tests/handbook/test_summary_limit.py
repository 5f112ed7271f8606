"""A revision's "What changed" summary holds at most 300 characters: every form
that asks for one says so beside the field when it is longer, saves nothing and
never fails; the services refuse it too, on the field."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from handbook import services
from handbook.models import Revision
from tests.conftest import client_for, page_text
from tests.factories import ChapterFactory, published_page

pytestmark = pytest.mark.django_db

TOO_LONG = "Updated the consulate wait times " + "x" * 287  # 320 characters
LONGEST = "y" * 300


def _summary_field(response) -> str:
    """The summary field's block on the page: its label, input and messages."""
    html = page_text(response)
    block = html.split('id="div_id_summary"', 1)[1]
    return re.split(r'id="div_id_\w+"|</form>', block, maxsplit=1)[0]


@pytest.fixture
def page(co_lead):
    return published_page(by=co_lead.user)


def _text(page, summary: str) -> dict:
    return {"title": page.title, "body": "## Rent\n\nMonthly.", "summary": summary}


def test_an_editor_saving_a_320_character_summary_is_told_beside_the_field(
    co_lead, page
):
    assert len(TOO_LONG) == 320
    before = Revision.objects.count()
    url = reverse("handbook:page_edit", args=[page.chapter.slug, page.slug])
    response = client_for(co_lead).post(
        url, {**_text(page, TOO_LONG), "base": page.published_revision_id}
    )
    assert response.status_code == 200
    field = _summary_field(response)
    assert "at most 300 characters (it has 320)" in field
    assert "is-invalid" in field
    assert Revision.objects.count() == before

    saved = client_for(co_lead).post(
        url, {**_text(page, LONGEST), "base": page.published_revision_id}
    )
    assert saved.status_code == 302
    assert Revision.objects.filter(page=page, summary=LONGEST).exists()


def test_a_new_page_a_suggestion_and_a_restore_refuse_a_320_character_summary(
    co_lead, resident, page
):
    before = Revision.objects.count()
    chapter = ChapterFactory()
    created = client_for(co_lead).post(
        reverse("handbook:page_create", args=[chapter.slug]),
        {"title": "Deposits", "slug": "", "body": "Two months.", "summary": TOO_LONG},
    )
    suggested = client_for(resident).post(
        reverse("handbook:page_suggest", args=[page.chapter.slug, page.slug]),
        _text(page, TOO_LONG),
    )
    restored = client_for(co_lead).post(
        reverse("handbook:revision_restore", args=[page.published_revision_id]),
        {"summary": TOO_LONG},
    )
    for response in (created, suggested, restored):
        assert response.status_code == 200
        assert "at most 300 characters (it has 320)" in _summary_field(response)
    assert Revision.objects.count() == before


def test_the_services_refuse_a_320_character_summary_on_the_field(co_lead, page):
    calls = [
        lambda: services.revision_save(
            page=page,
            title="T",
            body="B",
            summary=TOO_LONG,
            author=co_lead.user,
            base=page.published_revision,
        ),
        lambda: services.suggestion_save(
            page=page, title="T", body="B", summary=TOO_LONG, author=co_lead.user
        ),
        lambda: services.revision_restore(
            revision=page.published_revision, by=co_lead.user, summary=TOO_LONG
        ),
        lambda: services.page_create(
            chapter=page.chapter,
            title="Another",
            slug="another",
            body="B",
            summary=TOO_LONG,
            members_only=False,
            author=co_lead.user,
        ),
    ]
    for call in calls:
        with pytest.raises(ValidationError) as refused:
            call()
        assert "summary" in refused.value.message_dict
