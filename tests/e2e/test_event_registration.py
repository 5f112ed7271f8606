"""In the browser: an organiser adds the dietary question, a resident says yes
with an answer and a named child, the organiser checks them in on a phone by
the typed code and by the camera reading the QR code, then opens the sign-in
sheet (issue 20, items 1, 2, 3 and 6)."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from events import codes, rsvps
from events.models import Attendance, Guest, Rsvp
from events.qr import qr_code
from members.models import Role
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, new_page, sign_in
from tests.factories import MemberFactory, event_on_the_day

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

PHONE = {"viewport": {"width": 390, "height": 844}}


def test_questions_guests_typed_code_check_in_and_the_sign_in_sheet(
    page, browser, live_server
):
    organiser = MemberFactory(
        roles=[Role.RESIDENT, Role.MENTOR], preferred_name="Olu Organiser"
    )
    resident = MemberFactory(user__first_name="Ravi", user__last_name="Resident")
    event = event_on_the_day(title="IMG orientation dinner", guests_allowed=2)
    event.organisers.add(organiser)

    # The organiser adds the common dietary question.
    sign_in(page, organiser.user)
    page.goto(event.get_absolute_url())
    page.get_by_role("link", name="Registration questions (0)").click()
    page.get_by_role("button", name="Add “Dietary needs”").click()
    expect(page.get_by_text("Added “Dietary needs”.")).to_be_visible()

    # The resident, on a phone, says yes with an answer and a named child.
    context, phone = new_page(browser, live_server, **PHONE)
    sign_in(phone, resident.user)
    phone.goto(event.get_absolute_url())
    phone.get_by_label("Guest 1: name").fill("Amira")
    phone.get_by_label("Guest 1: adult or child").select_option(label="Child")
    phone.get_by_label("Halal").check()
    phone.get_by_role("button", name="Yes, I'm coming").click()
    expect(phone.get_by_test_id("my-rsvp")).to_contain_text("You're going")
    code = phone.get_by_test_id("personal-code").locator("strong").inner_text()
    rsvp = Rsvp.objects.get(event=event, member=resident)
    assert code == codes.personal_code(rsvp)
    expect(phone.get_by_test_id("personal-code").locator("svg")).to_be_visible()
    context.close()

    # At the door, on the organiser's phone: the typed code.
    door_context, door = new_page(browser, live_server, **PHONE)
    sign_in(door, organiser.user)
    door.goto(event.get_absolute_url())
    door.get_by_role("link", name="Check-in").first.click()
    door.get_by_label("Member's check-in code").fill(code.lower())
    door.get_by_role("button", name="Check in", exact=True).click()
    card = door.get_by_test_id("scanned")
    expect(card).to_contain_text("Ravi Resident: checked in at")
    expect(card).to_contain_text("Amira (child)")
    expect(card).to_contain_text("Halal")
    card.get_by_role("button", name="Check in Amira").click()
    expect(door.get_by_test_id("scanned")).to_contain_text("Here ✓")
    assert Guest.objects.get(rsvp=rsvp).checked_in_at is not None
    assert Attendance.objects.get(event=event, member=resident).guests == 1
    # The same code again: said plainly, nothing doubled.
    door.get_by_label("Member's check-in code").fill(code)
    door.get_by_role("button", name="Check in", exact=True).click()
    expect(door.get_by_test_id("scanned")).to_contain_text("already checked in at")
    assert Attendance.objects.filter(event=event).count() == 1
    # The page fits the phone: nothing wider than the screen.
    width = door.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    door_context.close()

    # The sign-in sheet for the door table.
    page.goto(event.get_absolute_url())
    page.get_by_role("link", name="Printable sign-in sheet").click()
    sheet = page.get_by_test_id("sign-in-sheet")
    expect(sheet).to_contain_text("Ravi Resident")
    expect(sheet).to_contain_text("Amira (child)")
    expect(sheet).not_to_contain_text("Halal")


def _qr_video(text: str, path: Path) -> Path:
    """A Y4M clip (what Chromium's fake camera plays) of the portal's own QR
    code of `text`, black on white in the middle of a 640x480 frame."""
    width, height = 640, 480
    matrix = [list(row) for row in qr_code(text).matrix_iter(scale=8, border=4)]
    size = len(matrix)
    top, left = (height - size) // 2, (width - size) // 2
    luma = bytearray(b"\xeb" * (width * height))
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                luma[(top + y) * width + left + x] = 0x10
    chroma = b"\x80" * (width // 2 * height // 2)
    frame = b"FRAME\n" + bytes(luma) + chroma + chroma
    path.write_bytes(
        f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode() + frame * 5
    )
    return path


def test_the_camera_reads_a_members_qr_code(browser, live_server, tmp_path):
    organiser = MemberFactory(roles=[Role.RESIDENT, Role.MENTOR])
    resident = MemberFactory(user__first_name="Camera", user__last_name="Person")
    event = event_on_the_day(title="Happy hour", guests_allowed=1)
    event.organisers.add(organiser)
    rsvp = rsvps.rsvp_yes(event=event, member=resident, guests=[("Sara", "adult")])
    video = _qr_video(codes.personal_code(rsvp), tmp_path / "qr.y4m")
    # A second Chromium whose camera plays the clip (same Playwright driver).
    camera_browser = browser.browser_type.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        context, door = new_page(
            camera_browser, live_server, permissions=["camera"], **PHONE
        )
        sign_in(door, organiser.user)
        door.goto(f"/events/{event.pk}/check-in/")
        door.get_by_role("button", name="Scan with the camera").click()
        card = door.get_by_test_id("scanned")
        expect(card).to_contain_text("Camera Person: checked in at")
        expect(card).to_contain_text("Sara (adult)")
        assert Attendance.objects.filter(event=event, member=resident).exists()
        context.close()
    finally:
        camera_browser.close()
