"""Issue 21's main flow as a resident clicks it: filter the openings, shortlist
one with a private note, log a contact with a follow-up, record the role they
got, and print the CV section."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from leadership.models import Opening
from tests.e2e.conftest import sign_in
from tests.factories import MemberFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def test_a_resident_shortlists_logs_a_contact_gets_the_role_and_prints_the_cv(
    page, live_server
):
    today = timezone.localdate()
    for title, kind in (
        ("Journal club coordinator", Opening.Kind.COORDINATOR),
        ("Wellness council seat", Opening.Kind.COMMITTEE),
    ):
        Opening.objects.create(
            title=title,
            kind=kind,
            how_to_apply="Email the chief.",
            contact="Dr Chief",
            deadline=today + timedelta(days=5),
        )
    resident = MemberFactory()
    sign_in(page, resident.user)

    page.get_by_role("link", name="Leadership", exact=True).click()
    page.get_by_label("Kind").select_option(
        label="Coordinator (journal club, noon conference…)"
    )
    page.get_by_role("button", name="Filter").click()
    openings = page.get_by_test_id("openings")
    expect(openings).to_contain_text("Journal club coordinator")
    expect(openings).not_to_contain_text("Wellness council seat")
    openings.get_by_role("link", name="Journal club coordinator").click()
    page.get_by_label("Private note").fill("ask PD about visa")
    page.get_by_role("button", name="Save to my shortlist").click()
    expect(page.get_by_text("Saved to your shortlist (1).")).to_be_visible()

    # Log the chief as a contact, with a follow-up next week.
    page.get_by_role("button", name="Account").click()
    page.get_by_role("link", name="My contacts").click()
    page.get_by_role("link", name="Add a contact").click()
    page.get_by_label("Name").fill("Dr Amal Chief")
    page.get_by_label("Institution").fill("Riverside")
    page.get_by_label("Next follow-up").fill((today + timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Dr Amal Chief")).to_be_visible()

    # They got the role: into the portfolio in one step, then the CV section.
    # The bar says the saved opening closes this week.
    page.get_by_role(
        "link", name="Leadership 1 saved opening closes this week", exact=True
    ).click()
    page.get_by_role("link", name="My shortlist (1)").click()
    expect(page.get_by_test_id("shortlist")).to_contain_text("Journal club coordinator")
    page.get_by_test_id("shortlist").get_by_role(
        "link", name="Journal club coordinator"
    ).click()
    page.get_by_role("button", name="I got this role").click()
    expect(page.get_by_text("It's in your leadership portfolio")).to_be_visible()
    page.get_by_label("Outcome").fill("Grew attendance from 8 to 20")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("link", name="CV section (print or PDF)").click()
    cv = page.get_by_test_id("cv-section")
    expect(cv).to_contain_text("Journal club coordinator")
    expect(cv).to_contain_text(f"{today:%b %Y} – present")
    expect(cv).to_contain_text("Grew attendance from 8 to 20")
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation").first).to_be_hidden()
    pdf = page.pdf()
    assert pdf.startswith(b"%PDF")
