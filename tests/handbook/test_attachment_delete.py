"""Editors delete a page's image or PDF from the editor's file list: a confirm
step that says where the page still links to it, the typed text kept, the file
gone from storage once the deletion is committed, and an action log row."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from handbook import rules, services
from handbook.models import Attachment
from members.models import ActionLog
from tests.conftest import client_for, page_text
from tests.factories import published_page
from tests.handbook.files import PDF

pytestmark = pytest.mark.django_db


@pytest.fixture
def lease(page, co_lead) -> Attachment:
    return services.attachment_upload(
        page=page, upload=SimpleUploadedFile("Lease.pdf", PDF), by=co_lead.user
    )


def _delete_url(attachment, page=None) -> str:
    page = page or attachment.page
    return reverse(
        "handbook:attachment_delete",
        args=[page.chapter.slug, page.slug, attachment.pk],
    )


def _typed(page, **extra) -> dict:
    return {
        "title": "My typed title",
        "body": "My typed text",
        "summary": "",
        "base": page.published_revision_id,
        **extra,
    }


def _stored(attachment) -> bool:
    return attachment.file.storage.exists(attachment.file.name)


def test_an_editor_deletes_a_file_after_confirming_and_keeps_what_they_typed(
    co_lead, page, lease, django_capture_on_commit_callbacks
):
    client = client_for(co_lead)
    editor = page_text(
        client.get(reverse("handbook:page_edit", args=[page.chapter.slug, page.slug]))
    )
    assert f'formaction="{_delete_url(lease)}"' in editor  # the Delete button

    asked = client.post(_delete_url(lease), _typed(page))
    assert asked.status_code == 200
    text = page_text(asked)
    assert "Delete “Lease.pdf” for good?" in text
    assert 'value="My typed title"' in text and "My typed text</textarea>" in text
    assert "This page still links to it" not in text
    assert Attachment.objects.filter(pk=lease.pk).exists()  # nothing done yet

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(_delete_url(lease), _typed(page, confirm="1"))
    assert done.status_code == 200
    text = page_text(done)
    assert "Deleted “Lease.pdf”." in text
    assert 'value="My typed title"' in text and "My typed text</textarea>" in text
    assert 'data-testid="attachment"' not in text  # the list no longer shows it
    assert not Attachment.objects.filter(pk=lease.pk).exists()
    assert not _stored(lease)
    logged = ActionLog.objects.get(
        verb="deleted",
        target_type=ContentType.objects.get_for_model(Attachment),
        target_id=lease.pk,
    )
    assert logged.actor == co_lead.user
    assert logged.data == {"page": page.pk}
    # Readers following an old link now get "not found".
    assert client.get(lease.get_absolute_url()).status_code == 404


def test_the_stored_file_goes_only_once_the_deletion_is_committed(
    co_lead, lease, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.attachment_delete(attachment=lease, by=co_lead.user)
    assert _stored(lease)  # a rollback here would have kept row and file
    for callback in callbacks:
        callback()
    assert not _stored(lease)


def test_the_confirm_step_names_every_text_that_still_links_to_the_file(
    co_lead, page, lease
):
    published = services.revision_save(
        page=page,
        title=page.title,
        body=f"See {lease.markdown}.",
        summary="Lease",
        author=co_lead.user,
        base=page.published_revision,
        publish=True,
    )
    services.revision_save(
        page=page,
        title=page.title,
        body=f"Still here: [lease](http://testserver{lease.get_absolute_url()})",
        summary="Draft",
        author=co_lead.user,
        base=published,
    )
    head = services.head_revision(page)
    typed = _typed(page, body=f"Typed {lease.markdown}")
    text = page_text(client_for(co_lead).post(_delete_url(lease), typed))
    assert (
        "This page still links to it: the published page, the draft "
        f"(revision {head.number}), the text you are editing." in text
    )
    assert Attachment.objects.filter(pk=lease.pk).exists()


def test_deleting_a_file_the_typed_text_still_uses_says_so(co_lead, page, lease):
    text = page_text(
        client_for(co_lead).post(
            _delete_url(lease), _typed(page, body=lease.markdown, confirm="1")
        )
    )
    assert "Deleted “Lease.pdf”. The text below still links to it" in text


def test_a_second_delete_and_an_unknown_file_are_a_404_keeping_the_text(
    co_lead, page, lease
):
    client = client_for(co_lead)
    client.post(_delete_url(lease), _typed(page, confirm="1"))
    again = client.post(_delete_url(lease), _typed(page, confirm="1"))
    assert again.status_code == 404
    text = page_text(again)
    assert "not on this page (it may have been deleted already)" in text
    assert "My typed text</textarea>" in text
    lease.pk = 999_999
    assert client.post(_delete_url(lease, page), _typed(page)).status_code == 404


def test_a_file_of_another_page_is_not_deleted_through_this_one(co_lead, page):
    other = published_page(by=co_lead.user, title="Other page")
    theirs = services.attachment_upload(
        page=other, upload=SimpleUploadedFile("x.pdf", PDF), by=co_lead.user
    )
    response = client_for(co_lead).post(
        _delete_url(theirs, page), _typed(page, confirm="1")
    )
    assert response.status_code == 404
    assert Attachment.objects.filter(pk=theirs.pk).exists()


def test_only_editors_delete_and_only_by_post(client, resident, co_lead, page, lease):
    url = _delete_url(lease)
    assert client_for(resident).post(url, {"confirm": "1"}).status_code == 403
    anonymous = client.post(url, {"confirm": "1"})
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert client_for(co_lead).get(url).status_code == 405
    assert Attachment.objects.filter(pk=lease.pk).exists()
    assert _stored(lease)


def test_a_file_already_missing_from_storage_deletes_cleanly(
    co_lead, page, lease, django_capture_on_commit_callbacks
):
    lease.file.storage.delete(lease.file.name)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(co_lead).post(
            _delete_url(lease), _typed(page, confirm="1")
        )
    assert response.status_code == 200
    assert not Attachment.objects.filter(pk=lease.pk).exists()


@pytest.mark.parametrize(
    ("text", "links"),
    [
        ("![x](/handbook/files/12/)", True),
        ("[x](https://portal.example/handbook/files/12/)", True),
        ("[x](/handbook/files/12)", True),
        ("![x](/handbook/files/123/)", False),
        ("![x](/handbook/files/1/)", False),
        ("", False),
    ],
)
def test_links_to_knows_one_file_from_another(text, links):
    assert rules.links_to(text, "/handbook/files/12/") is links


def test_a_handbook_editor_who_is_not_a_co_lead_deletes_too(
    handbook_editor, page, lease
):
    response = client_for(handbook_editor).post(
        _delete_url(lease), _typed(page, confirm="1")
    )
    assert response.status_code == 200
    assert not Attachment.objects.filter(pk=lease.pk).exists()
