"""The navigation bar shows what is due (issue 21 item 7): saved openings that
close this week beside "Leadership", follow-ups due beside "My contacts" and
its Account menu — each member their own counts, at a fixed query cost."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts.models import Contact
from leadership import services
from leadership.models import Opening
from tests.conftest import client_for, page_text
from tests.leadership.test_this_week import _opening

pytestmark = pytest.mark.django_db


def _link(page: str, key: str) -> str:
    """The text of the bar's link (or toggle) with this data-nav key."""
    match = re.search(rf'<a [^>]*data-nav="{key}"[^>]*>(.*?)</a>', page, re.S)
    assert match, key
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def test_badges_count_my_closing_openings_and_due_follow_ups(resident, mentor):
    today = timezone.localdate()
    services.shortlist_save(member=resident, opening=_opening(2, "Wellness"))
    services.shortlist_save(member=resident, opening=_opening(7, "QI council"))
    services.shortlist_save(member=resident, opening=_opening(8, "Next week"))
    services.shortlist_save(member=resident, opening=_opening(-1, "Gone"))
    closed = _opening(3, "Closed one")
    services.shortlist_save(member=resident, opening=closed)
    Opening.objects.filter(pk=closed.pk).update(status=Opening.Status.CLOSED)
    services.shortlist_save(member=mentor, opening=_opening(1, "Mentor's"))
    Contact.objects.create(member=resident, name="Dr Due", follow_up_on=today)
    Contact.objects.create(
        member=resident, name="Dr Late", follow_up_on=today - timedelta(days=5)
    )
    Contact.objects.create(
        member=resident, name="Dr Soon", follow_up_on=today + timedelta(days=1)
    )
    Contact.objects.create(member=resident, name="Dr Never")
    Contact.objects.create(member=mentor, name="Dr Mentor's", follow_up_on=today)

    page = page_text(client_for(resident).get(reverse("events:list")))
    assert _link(page, "leadership") == "Leadership 2 saved openings close this week"
    assert _link(page, "contacts") == "My contacts 2 follow-ups due"
    assert _link(page, "account") == "Account 2 follow-ups due"

    mentor_page = page_text(client_for(mentor).get(reverse("events:list")))
    assert _link(mentor_page, "leadership") == (
        "Leadership 1 saved opening closes this week"
    )
    assert _link(mentor_page, "contacts") == "My contacts 1 follow-up due"


def test_nothing_due_shows_no_badge(resident, co_lead, gme_staff):
    for member in (resident, co_lead):
        page = page_text(client_for(member).get(reverse("events:list")))
        assert "nav-badge" not in page
        assert _link(page, "leadership") == "Leadership"
    # Staff without the portal get no member badges and no error.
    page = page_text(client_for(gme_staff).get(reverse("home")))
    assert "nav-badge" not in page


def test_the_badges_cost_the_same_queries_with_2_and_1000_rows(resident):
    today = timezone.localdate()
    client = client_for(resident)
    url = reverse("events:list")
    client.get(url)  # caches warm

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    Contact.objects.bulk_create(
        [Contact(member=resident, name=f"Dr {n}", follow_up_on=today) for n in range(2)]
    )
    services.shortlist_save(member=resident, opening=_opening(3, "One"))
    few = queries()
    Contact.objects.bulk_create(
        [
            Contact(member=resident, name=f"Dr Many {n}", follow_up_on=today)
            for n in range(1000)
        ]
    )
    for n in range(20):
        services.shortlist_save(member=resident, opening=_opening(3, f"Role {n}"))
    assert queries() == few
    page = page_text(client.get(url))
    assert _link(page, "contacts") == "My contacts 1002 follow-ups due"
    assert _link(page, "leadership") == "Leadership 21 saved openings close this week"
