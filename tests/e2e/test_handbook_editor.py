"""An editor previews as they type, formats with the toolbar, uploads an image,
inserts it, and sends the page for review."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from handbook.models import Attachment, Revision
from members.models import Role
from tests.e2e.conftest import sign_in
from tests.factories import MemberFactory, published_page

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), "teal").save(buffer, format="PNG")
    return buffer.getvalue()


def test_an_editor_previews_uploads_an_image_and_submits(page, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    co_lead = MemberFactory(roles=[Role.RESIDENT, Role.CO_LEAD])
    editor = MemberFactory(roles=[Role.RESIDENT, Role.HANDBOOK_EDITOR])
    handbook_page = published_page(by=co_lead.user)
    sign_in(page, editor.user)
    page.goto(handbook_page.get_absolute_url())
    page.get_by_role("link", name="Edit this page").click()
    # htmx wires the live preview once the editor has loaded: type after that.
    page.wait_for_url("**/edit/")
    page.wait_for_load_state("load")

    # The preview follows the typing, in place: the page is not reloaded.
    page.evaluate("window.stillTheSamePage = true")
    text = page.locator("#id_body")  # labelled "Text*"
    text.fill("# Deposits\n\nTwo months' rent is usual.\nGuarantor services")
    preview = page.get_by_test_id("preview-body")
    expect(preview.get_by_role("heading", name="Deposits")).to_be_visible()
    assert page.evaluate("window.stillTheSamePage") is True

    # The toolbar makes the caret's line a list item, with the blank line it needs.
    text.press("End")
    page.get_by_role("button", name="Bulleted list").click()
    expect(text).to_have_value(
        "# Deposits\n\nTwo months' rent is usual.\n\n- Guarantor services"
    )
    expect(preview.get_by_role("listitem")).to_have_text("Guarantor services")

    # An image uploaded from the form keeps the text typed so far; Insert puts it in.
    page.get_by_label("Add an image or a PDF").set_input_files(
        {"name": "street.png", "mimeType": "image/png", "buffer": _png()}
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("Uploaded “street.png”")).to_be_visible()
    expect(text).to_have_value(
        "# Deposits\n\nTwo months' rent is usual.\n\n- Guarantor services"
    )
    attachment = Attachment.objects.get(page=handbook_page)
    page.get_by_role("button", name="Insert street.png into the text").click()
    expect(text).to_have_value(
        f"# Deposits\n\nTwo months' rent is usual.\n\n- Guarantor services\n\n"
        f"![street]({attachment.get_absolute_url()})\n\n"
    )
    expect(preview.get_by_role("img", name="street")).to_be_visible()

    # Sent for review: the draft shows the picture as readers will see it.
    page.get_by_label("What changed").fill("Deposits, with a photo")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Saved as a draft")).to_be_visible()
    expect(page.get_by_role("img", name="street")).to_be_visible()
    assert Revision.objects.get(page=handbook_page, state="draft").author == editor.user
