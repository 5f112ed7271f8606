"""A visitor reads the front door, opens a public event and is asked to sign
in to RSVP; signed in, they are back on the event and answer (issue 22)."""

import re

import pytest
from playwright.sync_api import expect

from imgportal.identity import group_identity
from tests.factories import PASSWORD, EventFactory, MemberFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def test_a_visitor_opens_a_public_event_and_signs_in_to_rsvp(page):
    member = MemberFactory()
    event = EventFactory(title="Panel for incoming residents", visibility="public")
    EventFactory(title="Members-only happy hour")

    page.goto("/")
    expect(page.get_by_test_id("group-name")).to_contain_text(group_identity().name)
    events = page.get_by_test_id("public-events")
    expect(events).to_contain_text("Panel for incoming residents")
    expect(events).not_to_contain_text("Members-only happy hour")
    expect(page.get_by_test_id("how-to-join")).to_be_visible()

    events.get_by_role("link", name="Panel for incoming residents").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Panel for incoming residents"
    )
    expect(page.get_by_role("button", name="Yes, I'm coming")).to_have_count(0)
    page.get_by_role("link", name="Sign in to RSVP").click()

    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.get_by_label("Email").fill(member.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()

    expect(page).to_have_url(re.compile(rf"/events/{event.pk}/$"))
    page.get_by_role("button", name="Yes, I'm coming").click()
    expect(page.get_by_test_id("my-rsvp")).to_contain_text("You're going")
