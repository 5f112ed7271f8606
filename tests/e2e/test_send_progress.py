"""A newsletter being sent: once it finishes, the open page says so everywhere
(status line, progress words and the delivery report) without a reload."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from members.models import Role
from newsletters.models import Delivery, Newsletter
from tests.e2e.conftest import sign_in
from tests.factories import (
    MemberFactory,
    current_totp_code,
    give_totp,
    newsletter_sending,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def test_the_delivery_report_catches_up_when_the_send_finishes(page):
    co_lead = MemberFactory(roles=[Role.RESIDENT, Role.CO_LEAD])
    give_totp(co_lead.user)
    newsletter = newsletter_sending(co_lead.user, 5, sent=2)
    sign_in(page, co_lead.user, current_totp_code())
    page.goto(f"/newsletters/manage/{newsletter.pk}/")
    expect(page.get_by_test_id("progress")).to_contain_text("Sent: 2")
    page.evaluate("() => { window.__sameDocument = 1; }")

    # The worker finishes: one address bounced at the mail server.
    newsletter.deliveries.filter(email="reader4@example.org").update(
        status=Delivery.Status.FAILED, error="550 No such user"
    )
    newsletter.deliveries.filter(status=Delivery.Status.PENDING).update(
        status=Delivery.Status.SENT
    )
    Newsletter.objects.filter(pk=newsletter.pk).update(
        status=Newsletter.Status.SENT, finished_at=timezone.now()
    )

    expect(page.get_by_role("status")).to_contain_text(
        "Finished: sent to 4 of 5; 1 failed.", timeout=8_000
    )
    expect(page.get_by_test_id("newsletter-status")).to_have_text("Sent")
    report = page.get_by_test_id("progress")
    expect(report).to_contain_text("Sent: 4")
    expect(report).to_contain_text("Waiting: 0")
    expect(report).to_contain_text("Failed: 1")
    expect(page.get_by_role("cell", name="550 No such user")).to_be_visible()
    expect(page.get_by_text("from when this page was opened")).to_have_count(0)
    assert page.evaluate("() => window.__sameDocument") == 1  # not reloaded
