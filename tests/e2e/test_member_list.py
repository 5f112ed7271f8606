import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from members.models import Member, Role
from tests.factories import PASSWORD, MemberFactory, current_totp_code, give_totp

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def test_co_lead_approves_a_join_filters_by_visa_and_downloads_the_csv(page):
    co_lead = MemberFactory(roles=[Role.RESIDENT, Role.CO_LEAD])
    give_totp(co_lead.user)
    waiting = MemberFactory(
        status=Member.Status.PENDING, visa_status="h1b", user__first_name="Waleed"
    )
    MemberFactory(visa_status="j1", user__first_name="Jana")
    MemberFactory(visa_status="h1b", user__first_name="Hiro")

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(co_lead.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_label("Code").fill(current_totp_code())
    page.get_by_role("button", name="Sign In").click()

    page.get_by_role("button", name="Manage").click()
    page.get_by_role("link", name="Member list").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Member list")
    page.get_by_role("checkbox", name=f"Select {waiting.full_name}").check()
    page.get_by_label("With the selected members").select_option("approve")
    page.get_by_role("button", name="Apply", exact=True).last.click()
    expect(page.get_by_test_id("confirm-summary")).to_contain_text("1 member selected.")
    expect(page.get_by_text(waiting.full_name)).to_be_visible()
    page.get_by_role("button", name="Approve 1 member").click()
    expect(page.get_by_text("Done for 1 member(s).")).to_be_visible()
    waiting.refresh_from_db()
    assert waiting.status == Member.Status.ACTIVE

    page.get_by_label("Visa status").select_option("h1b")
    page.get_by_role("button", name="Apply", exact=True).first.click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(page.get_by_role("cell", name="Jana")).to_have_count(0)

    with page.expect_download() as download_info:
        page.get_by_test_id("export-link").click()
    download = download_info.value
    assert download.suggested_filename.startswith("members-")
    exported = list(csv.DictReader(io.StringIO(Path(download.path()).read_text())))
    assert sorted(r["first_name"] for r in exported) == ["Hiro", "Waleed"]
    assert {r["visa_status"] for r in exported} == {"H-1B"}
