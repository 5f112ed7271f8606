"""Who may fetch a handbook file, and the name it downloads under: readers get a
file only once the page's published text uses it (editors get every file of a
page they may edit, for the preview), and a file re-encoded on upload carries
the extension of what it now is."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from handbook import services
from handbook.models import Attachment
from tests.conftest import client_for
from tests.factories import published_page
from tests.handbook.files import PDF

pytestmark = pytest.mark.django_db


def _image(fmt: str, mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (8, 8), "white").save(buffer, format=fmt)
    return buffer.getvalue()


def _upload(page, name: str, content: bytes, by) -> Attachment:
    return services.attachment_upload(
        page=page, upload=SimpleUploadedFile(name, content), by=by.user
    )


def _publish(page, body: str, by) -> None:
    page.refresh_from_db()
    services.revision_save(
        page=page,
        title=page.title,
        body=body,
        summary="Files",
        author=by.user,
        base=page.published_revision,
        publish=True,
    )


@pytest.mark.parametrize(
    ("name", "content", "stored_as", "content_type"),
    [
        ("bw.gif", _image("GIF", "L"), "bw.png", "image/png"),
        ("w.webp", _image("WEBP"), "w.jpg", "image/jpeg"),
        ("scan.JPEG", _image("JPEG"), "scan.JPEG", "image/jpeg"),
        ("plan.png", _image("PNG"), "plan.png", "image/png"),
        ("photo.png", _image("JPEG"), "photo.jpg", "image/jpeg"),
        ("Lease", PDF, "Lease.pdf", "application/pdf"),
        ("Lease.docx", PDF, "Lease.pdf", "application/pdf"),
    ],
)
def test_a_file_downloads_with_the_extension_of_what_it_is(
    co_lead, name, content, stored_as, content_type
):
    """A GIF stored as PNG downloads as .png, a WebP stored as JPEG as .jpg."""
    page = published_page(by=co_lead.user)
    attachment = _upload(page, name, content, co_lead)
    assert attachment.original_name == stored_as
    assert attachment.content_type == content_type
    response = client_for(co_lead).get(attachment.get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert f'filename="{stored_as}"' in response["Content-Disposition"]


def test_a_file_stored_earlier_under_its_old_extension_downloads_with_the_right_one(
    co_lead,
):
    """Files uploaded before the fix keep their row; the download name is right."""
    page = published_page(by=co_lead.user)
    attachment = _upload(page, "bw.png", _image("GIF", "L"), co_lead)
    Attachment.objects.filter(pk=attachment.pk).update(original_name="bw.gif")
    response = client_for(co_lead).get(attachment.get_absolute_url())
    assert response["Content-Type"] == "image/png"
    assert 'filename="bw.png"' in response["Content-Disposition"]


def test_a_fresh_upload_is_for_editors_until_the_published_page_uses_it(
    co_lead, resident, pending_member
):
    """Uploaded but never saved or published: visitors, members and pending
    members get 404 (the same as a file that doesn't exist); editors get it."""
    page = published_page(by=co_lead.user)
    attachment = _upload(page, "flat.png", _image("PNG"), co_lead)
    url = attachment.get_absolute_url()
    for reader in (Client(), client_for(resident), client_for(pending_member)):
        assert reader.get(url).status_code == 404
    assert reader.get("/handbook/files/999999/").status_code == 404
    assert client_for(co_lead).get(url).status_code == 200


def test_a_draft_that_uses_the_file_does_not_open_it_to_readers(co_lead, resident):
    page = published_page(by=co_lead.user)
    attachment = _upload(page, "flat.png", _image("PNG"), co_lead)
    services.revision_save(
        page=page,
        title=page.title,
        body=f"{page.published_revision.body}\n\n{attachment.markdown}",
        summary="Photo",
        author=co_lead.user,
        base=page.published_revision,
        publish=False,
    )
    assert client_for(resident).get(attachment.get_absolute_url()).status_code == 404
    assert client_for(co_lead).get(attachment.get_absolute_url()).status_code == 200


def test_readers_get_the_files_the_published_page_uses_and_only_while_it_does(
    co_lead, resident
):
    page = published_page(by=co_lead.user)
    shown = _upload(page, "flat.png", _image("PNG"), co_lead)
    linked = _upload(page, "Lease.pdf", PDF, co_lead)
    unused = _upload(page, "mistake.png", _image("PNG"), co_lead)
    _publish(
        page,
        f"{shown.markdown}\n\n[The lease](https://testserver{linked.get_absolute_url()})",
        co_lead,
    )
    for reader in (Client(), client_for(resident)):
        assert reader.get(shown.get_absolute_url()).status_code == 200
        assert reader.get(linked.get_absolute_url()).status_code == 200
        assert reader.get(unused.get_absolute_url()).status_code == 404
    _publish(page, "The photo is gone.", co_lead)
    assert Client().get(shown.get_absolute_url()).status_code == 404
    assert client_for(co_lead).get(shown.get_absolute_url()).status_code == 200


def test_a_members_only_page_still_keeps_its_files_from_visitors(co_lead, resident):
    page = published_page(by=co_lead.user, title="Members only", members_only=True)
    attachment = _upload(page, "flat.png", _image("PNG"), co_lead)
    _publish(page, attachment.markdown, co_lead)
    assert Client().get(attachment.get_absolute_url()).status_code == 404
    assert client_for(resident).get(attachment.get_absolute_url()).status_code == 200
