"""Images and PDFs uploaded to handbook pages: what is accepted, what is stored,
who may read it, and how a page shows it."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from handbook import services
from handbook.models import Attachment
from tests.conftest import client_for, page_text
from tests.factories import published_page
from tests.handbook.files import PDF

pytestmark = pytest.mark.django_db

GPS = 0x8825
ORIENTATION = 0x0112


def _edit_url(page):
    return reverse("handbook:page_edit", args=[page.chapter.slug, page.slug])


def _jpeg_with_gps_rotated() -> bytes:
    """A 40 by 20 photo whose EXIF says "turn me 90°" and where it was taken."""
    image = Image.new("RGB", (40, 20), "red")
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    gps = exif.get_ifd(GPS)
    gps[1], gps[2] = "N", (52.0, 22.0, 1.0)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    data = buffer.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS)  # the test means it
    return data


def _upload(client, page, name, content, **typed):
    data = {
        "title": "My typed title",
        "body": "My typed text",
        "summary": "",
        "base": page.published_revision_id,
        "upload": "1",
        "file": SimpleUploadedFile(name, content),
        **typed,
    }
    return client.post(_edit_url(page), data)


def test_a_photo_is_stored_upright_and_without_its_exif(co_lead, page):
    response = _upload(client_for(co_lead), page, "flat.jpg", _jpeg_with_gps_rotated())
    assert response.status_code == 200
    text = page_text(response)
    assert 'value="My typed title"' in text and "My typed text</textarea>" in text
    attachment = Attachment.objects.get(page=page)
    assert f"![flat](/handbook/files/{attachment.pk}/)" in text  # the snippet
    assert attachment.uploaded_by == co_lead
    with attachment.file.open("rb") as stored:
        image = Image.open(io.BytesIO(stored.read()))
    assert dict(image.getexif()) == {}
    assert image.size == (20, 40)  # turned as its EXIF said
    assert image.format == "JPEG"
    assert not attachment.file.name.endswith("flat.jpg")  # a name of the portal's


def test_a_large_image_is_shrunk(co_lead, page):
    buffer = io.BytesIO()
    Image.new("RGBA", (3000, 1500), (0, 0, 255, 128)).save(buffer, format="PNG")
    _upload(client_for(co_lead), page, "plan.png", buffer.getvalue())
    attachment = Attachment.objects.get(page=page)
    assert (attachment.width, attachment.height) == (2000, 1000)
    assert attachment.content_type == "image/png"  # transparency kept


def test_a_pdf_is_served_as_a_download_the_browser_may_not_sniff(co_lead, page):
    _upload(client_for(co_lead), page, "Lease template.pdf", PDF)
    attachment = Attachment.objects.get(page=page)
    assert attachment.markdown == (
        f"[Lease template (PDF)](/handbook/files/{attachment.pk}/)"
    )
    response = client_for(co_lead).get(attachment.get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="Lease template.pdf"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF


def test_an_image_is_served_inline(co_lead, page, client):
    _upload(client_for(co_lead), page, "flat.jpg", _jpeg_with_gps_rotated())
    attachment = Attachment.objects.get(page=page)
    _publish_using(page, attachment, co_lead)  # readers get only what it uses
    response = client.get(attachment.get_absolute_url())
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("photo.png", b"<html><script>alert(1)</script></html>", "none of those"),
        ("drawing.svg", SVG, "none of those"),
        ("cut.pdf", b"%PDF-1.4\nhalf a file", "cut short"),
        ("empty.png", b"", "empty"),
    ],
)
def test_a_file_that_is_not_what_it_claims_is_refused_next_to_the_field(
    co_lead, page, name, content, message
):
    response = _upload(client_for(co_lead), page, name, content)
    assert response.status_code == 200
    text = page_text(response)
    field = text.split('id="id_file"')[1].split("</fieldset>")[0]
    assert message in field
    assert 'value="My typed title"' in text and "My typed text</textarea>" in text
    assert not Attachment.objects.exists()


def test_a_file_over_the_limit_is_refused(co_lead, page, settings):
    settings.HANDBOOK_IMAGE_MAX_BYTES = 100
    response = _upload(client_for(co_lead), page, "big.jpg", _jpeg_with_gps_rotated())
    text = page_text(response)
    assert "Images can be up to" in text.split('id="id_file"')[1]
    assert 'value="My typed title"' in text
    assert not Attachment.objects.exists()


def test_only_editors_upload(resident, page):
    url = reverse("handbook:page_suggest", args=[page.chapter.slug, page.slug])
    client_for(resident).post(
        url,
        {
            "title": "T",
            "body": "B",
            "summary": "S",
            "upload": "1",
            "file": SimpleUploadedFile("a.pdf", PDF),
        },
    )
    assert not Attachment.objects.exists()


def _attach(page, by) -> Attachment:
    return services.attachment_upload(
        page=page, upload=SimpleUploadedFile("a.pdf", PDF), by=by
    )


def _publish_using(page, attachment, by) -> None:
    """Publish the page with its text linking the file (readers may fetch it)."""
    page.refresh_from_db()
    services.revision_save(
        page=page,
        title=page.title,
        body=f"{page.published_revision.body}\n\n{attachment.markdown}",
        summary="Uses the file",
        author=by.user,
        base=page.published_revision,
        publish=True,
    )


def test_a_file_is_read_by_exactly_those_who_may_read_its_page(
    client, co_lead, resident
):
    private = published_page(by=co_lead.user, title="Members only", members_only=True)
    file = _attach(private, co_lead.user)
    _publish_using(private, file, co_lead)
    assert client.get(file.get_absolute_url()).status_code == 404
    assert client_for(resident).get(file.get_absolute_url()).status_code == 200
    draft_only = services.page_create(
        chapter=private.chapter,
        title="Unpublished",
        slug="unpublished",
        body="Soon",
        summary="First",
        members_only=False,
        author=co_lead.user,
    )
    unpublished = _attach(draft_only, co_lead.user)
    assert client_for(resident).get(unpublished.get_absolute_url()).status_code == 404
    assert client_for(co_lead).get(unpublished.get_absolute_url()).status_code == 200


def test_the_page_shows_its_own_image_and_never_a_remote_one(client, co_lead, page):
    image = _upload(client_for(co_lead), page, "flat.jpg", _jpeg_with_gps_rotated())
    assert image.status_code == 200
    attachment = Attachment.objects.get(page=page)
    body = (
        f"{attachment.markdown}\n\n![tracker](https://evil.example/x.png)\n\n"
        "![logout](/accounts/logout/)"
    )
    preview = page_text(
        client_for(co_lead).post(reverse("handbook:preview"), {"body": body})
    )
    assert "2 pictures will not show" in preview
    assert "https://evil.example/x.png" in preview  # named in the warning
    services.revision_save(
        page=page,
        title=page.title,
        body=body,
        summary="Photo",
        author=co_lead.user,
        base=page.published_revision,
        publish=True,
    )
    html = client.get(page.get_absolute_url()).content.decode()
    assert f'<img alt="flat" src="/handbook/files/{attachment.pk}/">' in html
    assert "evil.example" not in html
    assert 'src="/accounts/logout/"' not in html
    assert '<img alt="tracker">' in html


def test_the_editor_lists_files_in_a_fixed_number_of_queries(co_lead, page):
    client = client_for(co_lead)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(_edit_url(page)).status_code == 200
        return len(context.captured_queries)

    Attachment.objects.create(
        page=page,
        file="handbook/x.pdf",
        kind="pdf",
        content_type="application/pdf",
        original_name="one.pdf",
        size=1,
    )
    queries()  # the first request also caches the editor's permissions
    few = queries()
    Attachment.objects.bulk_create(
        Attachment(
            page=page,
            file=f"handbook/{n}.png",
            kind="image",
            content_type="image/png",
            original_name=f"{n}.png",
            size=1,
            width=1,
            height=1,
        )
        for n in range(25)
    )
    assert queries() == few
