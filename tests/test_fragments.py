"""Directory and mentor cards rendered once per content (imgportal/fragments.py):
a change to what a card shows is on the next request, a card is the same HTML
from the cache as rendered, the viewer's own part (a mentor's fit with their
request) never comes from another viewer, and Redis down the pages work."""

import pytest
from django.test import Client

from mentorship.models import MentorProfile, MentorshipRequest
from tests.factories import MemberFactory
from tests.members.test_permission_cache import DEAD_REDIS

pytestmark = pytest.mark.django_db


def _page(member, path) -> str:
    client = Client()
    client.force_login(member.user)
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def shown(resident):
    member = MemberFactory(
        user__first_name="Imani",
        user__last_name="Okonkwo",
        pronouns="she/her",
        home_country="NG",
        directory_fields=["pronouns", "home_country", "specialty"],
    )
    return member


def test_a_field_hidden_after_the_card_was_cached_is_gone_next_time(resident, shown):
    assert "From Nigeria" in _page(resident, "/members/?q=Okonkwo")
    shown.directory_fields = ["pronouns"]
    shown.save()
    page = _page(resident, "/members/?q=Okonkwo")
    assert "Imani Okonkwo" in page
    assert "From Nigeria" not in page


def test_a_new_name_shows_on_the_next_request(resident, shown):
    assert "Imani Okonkwo" in _page(resident, "/members/")
    shown.user.first_name = "Amara"
    shown.user.save()
    page = _page(resident, "/members/")
    assert "Amara Okonkwo" in page
    assert "Imani Okonkwo" not in page


def test_a_cached_card_is_the_rendered_card(resident, shown, settings):
    first = _page(resident, "/members/")
    cached = _page(resident, "/members/")
    settings.CACHES = DEAD_REDIS
    rendered = _page(resident, "/members/")

    def cards(page):
        return page[page.index('id="directory-results"') : page.index("</section>")]

    assert cards(first) == cards(cached) == cards(rendered)
    assert "(she/her)" in cards(rendered)


@pytest.fixture
def mentor_profile(mentor):
    return MentorProfile.objects.create(
        member=mentor,
        types=["career", "img_visa"],
        visa_paths=["j1"],
        show_visa_paths=False,
        capacity=2,
        bio="Happy to talk about fellowships.",
    )


def test_mentor_cards_keep_each_viewers_fit_their_own(resident, mentor_profile):
    other = MemberFactory()
    MentorshipRequest.objects.create(mentee=resident, types=["career"], goals="x")
    with_request = _page(resident, "/mentorship/mentors/")
    without = _page(other, "/mentorship/mentors/")
    assert "Happy to talk about fellowships." in with_request
    assert "Happy to talk about fellowships." in without
    assert "Ask as career" in with_request
    assert "Ask as" not in without  # no request, no fit: nothing of the first's


def test_a_mentor_who_shows_their_visa_path_shows_it_next_time(
    resident, mentor_profile
):
    page = _page(resident, "/mentorship/mentors/")
    assert "Has IMG and visa experience." in page
    assert "Has been through" not in page
    mentor_profile.show_visa_paths = True
    mentor_profile.save()
    page = _page(resident, "/mentorship/mentors/")
    assert "Has been through: J-1" in page


def test_cards_render_with_redis_down(resident, shown, mentor_profile, settings):
    settings.CACHES = DEAD_REDIS
    assert "Imani Okonkwo" in _page(resident, "/members/")
    assert "Happy to talk about fellowships." in _page(resident, "/mentorship/mentors/")


def test_event_rows_show_each_viewers_answer_and_seats_on_the_next_request(
    resident, mentor
):
    from events import rsvps
    from tests.factories import EventFactory

    event = EventFactory(title="Orientation mixer", capacity=30)
    assert "30 seats, 0 taken" in _page(resident, "/events/")
    rsvps.rsvp_yes(event=event, member=resident)
    mine = _page(resident, "/events/")
    assert "You're going" in mine
    assert "30 seats, 1 taken" in mine
    theirs = _page(mentor, "/events/")
    assert "You're going" not in theirs  # the same row, another viewer
    assert "30 seats, 1 taken" in theirs
    event.title = "Orientation mixer (moved to the atrium)"
    event.save()
    assert "moved to the atrium" in _page(mentor, "/events/")
