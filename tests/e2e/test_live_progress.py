"""A long roster import shows its progress in place: the region updates while
the page stays the same page (no reload), and the result is one link away."""

from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from members import imports
from members.models import ImportJob, Role
from members.tasks import import_preview_task
from members.views import manage
from tests.e2e.conftest import sign_in
from tests.factories import MemberFactory, current_totp_code, give_totp

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def test_a_big_import_updates_its_progress_without_reloading(page, monkeypatch):
    # Hold the Celery preview back, so the page is seen while it "runs".
    monkeypatch.setattr(
        manage, "import_preview_task", SimpleNamespace(delay=lambda pk: None)
    )
    co_lead = MemberFactory(roles=[Role.RESIDENT, Role.CO_LEAD])
    give_totp(co_lead.user)
    sign_in(page, co_lead.user, current_totp_code())
    rows = imports.INLINE_ROWS + 50
    roster = "email,first_name,last_name\n" + "".join(
        f"live{i}@example.org,First{i},Last{i}\n" for i in range(rows)
    )
    page.goto("/members/manage/import/")
    page.get_by_label("Roster CSV").set_input_files(
        {"name": "big.csv", "mimeType": "text/csv", "buffer": roster.encode()}
    )
    page.get_by_role("button", name="Check the file").click()
    region = page.get_by_role("status").filter(has_text="Checking the file")
    expect(region).to_contain_text(f"0 of {rows} rows checked")
    expect(page.get_by_role("link", name="Refresh")).to_be_visible()
    page.evaluate("() => { window.__sameDocument = 1; }")

    import_preview_task(ImportJob.objects.get().pk)  # the work finishes

    done = page.get_by_role("status").filter(has_text="Checked all")
    expect(done).to_contain_text(f"Checked all {rows} rows.", timeout=8_000)
    assert page.evaluate("() => window.__sameDocument") == 1  # not reloaded
    expect(page.get_by_role("link", name="Refresh")).to_have_count(0)
    # The page's own status line is brought up to date with the last poll.
    expect(page.get_by_test_id("import-status")).to_have_text(
        "Checked: ready to import"
    )
    done.get_by_role("link", name="Show the preview").click()
    expect(page.get_by_role("button", name="Import these rows")).to_be_visible()
