"""A resident asks for a mentor, a co-lead runs and confirms a round, the mentor
accepts in the portal, and the match is active."""

import pytest
from playwright.sync_api import expect

from members.models import Role
from mentorship.models import MentorProfile
from tests.e2e.conftest import new_page, sign_in
from tests.factories import MemberFactory, current_totp_code, give_totp

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def test_request_round_accept_and_the_match_is_active(page, browser, live_server):
    resident = MemberFactory(visa_status="j1")
    mentor = MemberFactory(roles=[Role.RESIDENT, Role.MENTOR], training_stage="fellow")
    MentorProfile.objects.create(member=mentor, types=["career"], visa_paths=["j1"])
    co_lead = MemberFactory(roles=[Role.RESIDENT, Role.CO_LEAD])
    give_totp(co_lead.user)

    # The resident asks for a career mentor.
    sign_in(page, resident.user)
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Mentoring", exact=True
    ).click()
    page.get_by_role("link", name="Ask for mentors").click()
    page.get_by_label("Career (in the specialty)").check()
    page.get_by_label("Your goals").fill("Apply for a cardiology fellowship")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved.")).to_be_visible()

    # A co-lead runs a round, reads why, and confirms.
    context, lead = new_page(browser, live_server)
    sign_in(lead, co_lead.user, current_totp_code())
    lead.goto("/mentorship/rounds/")
    lead.get_by_role("button", name="Run a matching round").click()
    proposals = lead.get_by_test_id("proposals")
    expect(proposals).to_contain_text(str(mentor))
    expect(proposals).to_contain_text("went through J-1")
    lead.get_by_role("button", name="Confirm and ask the mentors").click()
    expect(lead.get_by_test_id("confirm-summary")).to_contain_text(
        "1 different mentor will be emailed"
    )
    lead.get_by_role("button", name="Confirm and email 1 mentor").click()
    expect(
        lead.get_by_text("Confirmed: 1 pair, 1 different mentor asked.")
    ).to_be_visible()
    context.close()

    # The mentor accepts in the portal.
    context, mentor_page = new_page(browser, live_server)
    sign_in(mentor_page, mentor.user)
    mentor_page.goto("/mentorship/")
    mentor_page.get_by_test_id("my-mentees").get_by_role("link").click()
    # The mentee did not share their visa status: the mentor reads nothing of it.
    expect(mentor_page.get_by_text("Why this pair")).to_be_visible()
    expect(mentor_page.locator("main")).not_to_contain_text("went through")
    mentor_page.get_by_role("button", name="Accept").click()
    expect(mentor_page.get_by_test_id("match-state")).to_contain_text("Active")
    context.close()

    # The resident sees an active match.
    page.goto("/mentorship/")
    expect(page.get_by_test_id("my-mentors")).to_contain_text("Active")
