"""Editing a handbook page: the preview, the list warning and asking an
author for changes."""

import pytest
from django.urls import reverse

from handbook import services
from handbook.models import ReviewComment, Revision
from members.models import Role
from notifications.models import OutboundEmail
from tests.conftest import client_for, page_text
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

PREVIEW = reverse("handbook:preview")


def _edit_url(page):
    return reverse("handbook:page_edit", args=[page.chapter.slug, page.slug])


# --- The live preview ---------------------------------------------------------


def test_the_preview_renders_an_editors_markdown_through_the_sanitiser(co_lead):
    response = client_for(co_lead).post(
        PREVIEW,
        {"body": "## Rent\n\nPay **monthly**.<script>alert(1)</script>"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h3 id="section-rent">' in html
    assert "<strong>monthly</strong>" in html
    assert "<script" not in html and "alert(1)" not in html.replace("&lt;", "")
    assert "<html" not in html  # a fragment, swapped into the editor


def test_the_preview_warns_of_a_list_that_runs_into_its_paragraph(co_lead):
    response = client_for(co_lead).post(PREVIEW, {"body": "Bring:\n- a passport"})
    text = page_text(response)
    assert "A list will run into the text above it" in text
    assert "Line 2: “- a passport”" in text


def test_only_editors_may_preview_and_only_by_post(client, resident, co_lead):
    assert client_for(resident).post(PREVIEW, {"body": "x"}).status_code == 403
    assert client.post(PREVIEW, {"body": "x"}).status_code == 302  # to sign in
    assert client_for(co_lead).get(PREVIEW).status_code == 405


def test_the_preview_needs_the_csrf_token(co_lead):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(co_lead.user)
    assert strict.post(PREVIEW, {"body": "## Hi"}).status_code == 403


def test_the_editor_wires_the_live_preview_to_the_preview_region(co_lead, page):
    html = client_for(co_lead).get(_edit_url(page)).content.decode()
    assert f'hx-post="{PREVIEW}"' in html
    assert "input changed delay:600ms from:textarea" in html
    assert 'hx-target="#preview-body"' in html
    assert 'id="preview-heading">Preview</h2>' in html
    assert (
        "aria-live" not in html.split('id="preview-heading"')[1].split("</section>")[0]
    )
    assert "data-editor-toolbar hidden" in html  # shown by the editor's script


def test_the_preview_button_without_javascript_keeps_every_value_and_saves_nothing(
    co_lead, page
):
    before = Revision.objects.count()
    response = client_for(co_lead).post(
        _edit_url(page),
        {
            "title": "My new title",
            "body": "## Deposits\n\nBring:\n- two months' rent",
            "summary": "Half typed",
            "base": page.published_revision_id,
            "preview": "1",
        },
    )
    assert response.status_code == 200
    text = page_text(response)
    assert 'value="My new title"' in text
    assert 'value="Half typed"' in text
    assert "## Deposits\n\nBring:\n- two months' rent</textarea>" in text
    assert '<h3 id="section-deposits">' in text  # the preview, rendered
    assert "Line 4: “- two months' rent”" in text  # the warning, in the form too
    assert "This field is required" not in text
    assert Revision.objects.count() == before


def test_a_member_suggesting_an_edit_previews_by_the_button(resident, page):
    url = reverse("handbook:page_suggest", args=[page.chapter.slug, page.slug])
    html = client_for(resident).get(url).content.decode()
    assert "hx-post" not in html  # the live preview is for editors
    response = client_for(resident).post(
        url, {"title": "T", "body": "## Typed by me", "summary": "", "preview": "1"}
    )
    assert '<h3 id="section-typed-by-me">' in response.content.decode()
    assert not Revision.objects.filter(is_suggestion=True).exists()


def test_the_form_warns_of_a_list_but_still_saves(co_lead, page):
    response = client_for(co_lead).post(
        _edit_url(page),
        {
            "title": page.title,
            "body": "What works:\n- a letter",
            "summary": "Shorter",
            "base": page.published_revision_id,
        },
    )
    assert response.status_code == 302
    draft = Revision.objects.get(page=page, state="draft")
    text = page_text(client_for(co_lead).get(draft.get_absolute_url()))
    assert "Line 2: “- a letter”" in text


# --- Request changes ----------------------------------------------------------


@pytest.fixture
def author():
    return MemberFactory(roles=[Role.RESIDENT, Role.HANDBOOK_EDITOR])


@pytest.fixture
def draft(page, author):
    return services.revision_save(
        page=page,
        title=page.title,
        body=page.published_revision.body + "\n\nDeposits are often two months.",
        summary="Deposits",
        author=author.user,
        base=page.published_revision,
    )


def test_a_reviewer_asks_for_changes_and_the_author_resubmits(
    co_lead, author, draft, page
):
    reviewer = client_for(co_lead)
    response = reviewer.post(
        draft.get_absolute_url(), {"comment": "Name the escrow rule's source."}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.state == Revision.State.CHANGES_REQUESTED
    assert draft not in services.selectors.pending_reviews(co_lead.user)

    email = OutboundEmail.objects.get(idempotency_key=f"handbook-changes:{draft.pk}")
    assert email.to == author.user.email
    assert "Name the escrow rule's source." in email.body_text
    assert draft.get_absolute_url() in email.body_text

    writer = client_for(author)
    text = page_text(writer.get(draft.get_absolute_url()))
    assert "Changes requested" in text and "Name the escrow rule's source." in text
    editor = page_text(writer.get(_edit_url(page)))
    assert "Name the escrow rule's source." in editor
    assert "Deposits are often two months." in editor  # edits on from the draft

    response = writer.post(
        _edit_url(page),
        {
            "title": page.title,
            "body": draft.body + " (state law: see the attorney general's site)",
            "summary": "Deposits, with the source",
            "base": draft.pk,
        },
    )
    assert response.status_code == 302
    second = Revision.objects.get(page=page, state="draft")
    assert second.based_on_id == draft.pk
    review = page_text(reviewer.get(second.get_absolute_url()))
    assert "Review comments in this round" in review
    assert "Name the escrow rule's source." in review
    assert "on revision 2" in review

    services.revision_publish(revision=second, by=co_lead.user)
    draft.refresh_from_db()
    assert draft.state == Revision.State.SUPERSEDED


def test_an_empty_comment_is_refused_next_to_the_field(co_lead, draft):
    response = client_for(co_lead).post(draft.get_absolute_url(), {"comment": "  "})
    assert response.status_code == 200
    assert "Say what the author should change." in page_text(response)
    draft.refresh_from_db()
    assert draft.state == Revision.State.DRAFT
    assert not ReviewComment.objects.exists()


def test_only_a_reviewer_may_ask_for_changes(resident, author, draft):
    assert (
        client_for(resident).post(draft.get_absolute_url(), {"comment": "No"})
    ).status_code == 403
    response = client_for(author).post(
        draft.get_absolute_url(), {"comment": "My own"}, follow=True
    )
    assert "You wrote this edit" in page_text(response)
    assert not ReviewComment.objects.exists()


def test_a_second_click_sends_nothing_twice(co_lead, draft):
    client = client_for(co_lead)
    client.post(draft.get_absolute_url(), {"comment": "Shorter, please."})
    response = client.post(
        draft.get_absolute_url(), {"comment": "Shorter, please."}, follow=True
    )
    assert "already changes requested" in page_text(response)
    assert ReviewComment.objects.count() == 1
    assert (
        OutboundEmail.objects.filter(idempotency_key__startswith="handbook-changes")
    ).count() == 1
