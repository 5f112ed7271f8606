"""A signed-in person whose join request waits for the co-leads sees the public
events as a visitor does, told they can RSVP once approved; every other event
stays hidden from them exactly as from a visitor; and the waiting page's links
lead somewhere that answers instead of back to the waiting page."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from events.models import Event
from tests.conftest import client_for, page_text
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db

WAITING = "Your join request is waiting for a co-lead; you can RSVP once approved."


def public_event(**fields) -> Event:
    return EventFactory(visibility=Event.Visibility.PUBLIC, **fields)


def test_a_pending_member_sees_the_public_events_and_not_the_others(pending_member):
    public_event(title="IMG orientation")
    EventFactory(title="Members-only dinner")
    public_event(title="Draft open house", status=Event.Status.DRAFT)
    response = client_for(pending_member).get(reverse("events:list"))
    assert response.status_code == 200
    text = page_text(response)
    assert "IMG orientation" in text
    assert "Members-only dinner" not in text
    assert "Draft open house" not in text
    assert "waiting for a co-lead" in text
    # They are signed in already: no "sign in" link that would only bounce back.
    assert f"{reverse('account_login')}?next=" not in text


def test_a_pending_member_reads_a_public_event_and_waits_to_rsvp(
    pending_member, mentor
):
    """The visitor's page: what, when, where; RSVP once approved; nobody named,
    no online link, no RSVP form."""
    event = public_event(
        title="IMG orientation",
        capacity=10,
        online_url="https://meet.example.org/secret-room",
    )
    event.organisers.add(mentor)
    response = client_for(pending_member).get(event.get_absolute_url())
    assert response.status_code == 200
    text = page_text(response)
    assert "IMG orientation" in text
    assert "10 places left" in text
    assert WAITING in text
    assert "Sign in to RSVP" not in text
    assert "Not a member yet?" not in text  # they asked to join already
    for private in (mentor.full_name, "secret-room", 'name="answer"'):
        assert private not in text, private
    assert "no-store" in response["Cache-Control"]  # never kept by a shared cache


@pytest.mark.parametrize(
    "kind", ["members_only", "draft", "cancelled", "missing"], ids=str
)
def test_any_other_event_gives_a_pending_member_nothing(pending_member, kind):
    """A members-only, draft or cancelled event and an id that doesn't exist
    answer alike (the waiting page), so nothing says which events exist."""
    event = {
        "members_only": lambda: EventFactory(title="Members-only dinner"),
        "draft": lambda: public_event(status=Event.Status.DRAFT),
        "cancelled": lambda: public_event(status=Event.Status.CANCELLED),
        "missing": lambda: None,
    }[kind]()
    url = reverse("events:detail", args=[event.pk if event else 999_999])
    response = client_for(pending_member).get(url)
    assert response.status_code == 302
    assert response.url == reverse("members:pending")


def test_the_waiting_pages_links_answer_without_sending_them_back(pending_member):
    """ "See what the group is doing" used to point at `/`, which sends a
    pending member straight back to the waiting page."""
    client = client_for(pending_member)
    page = page_text(client.get(reverse("members:pending")))
    main = page.split('<main id="content"')[1].split("</main>")[0]
    links = set(re.findall(r'href="(/[^"#?]*)', main))
    assert reverse("events:list") in links
    assert reverse("handbook:index") in links
    for link in links:
        response = client.get(link)
        assert response.status_code == 200, link


def test_the_public_list_costs_a_pending_member_the_same_queries_for_2_or_20(
    pending_member,
):
    client = client_for(pending_member)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse("events:list")).status_code == 200
        return len(context.captured_queries)

    for _ in range(2):
        public_event()
    queries()
    few = queries()
    for _ in range(18):
        public_event()
    assert queries() == few
