"""The member list's and directory's filter forms are rendered once per query
and choices version (imgportal/templatetags/portal_forms.py): a change to the
choices shows on the next request, and each query gets its own selection."""

import re

import pytest

from members.models import Program, Specialty
from tests.members.test_permission_cache import DEAD_REDIS

pytestmark = pytest.mark.django_db

MEMBER_PAGES = ("/members/manage/", "/members/")
PAGES = (*MEMBER_PAGES, "/mentorship/mentors/")  # specialties in each


def _page(client, path, **query) -> str:
    response = client.get(path, query)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("path", PAGES)
def test_a_new_specialty_shows_on_the_next_request(client, co_lead, path):
    client.force_login(co_lead.user)
    assert "Aerospace Medicine" not in _page(client, path)
    Specialty.objects.create(name="Aerospace Medicine")
    assert "Aerospace Medicine" in _page(client, path)


@pytest.mark.parametrize("path", MEMBER_PAGES)
def test_a_renamed_program_shows_on_the_next_request(client, co_lead, path):
    client.force_login(co_lead.user)
    program = Program.objects.create(
        name="Riverside IM Residency", specialty=Specialty.objects.first()
    )
    assert "Riverside IM Residency" in _page(client, path)
    program.name = "Riverside Internal Medicine Residency"
    program.save()
    page = _page(client, path)
    assert "Riverside Internal Medicine Residency" in page


def test_each_query_keeps_its_own_selection(client, co_lead):
    client.force_login(co_lead.user)
    selected = re.compile(r'<option value="j1" selected')
    assert selected.search(_page(client, "/members/manage/", visa_status="j1"))
    assert not selected.search(_page(client, "/members/manage/"))
    assert selected.search(_page(client, "/members/manage/", visa_status="j1"))
    typed = _page(client, "/members/manage/", q="Okafor")
    assert 'value="Okafor"' in typed
    assert 'value="Okafor"' not in _page(client, "/members/manage/", q="Mensah")


def test_the_form_renders_with_redis_down(client, co_lead, settings):
    client.force_login(co_lead.user)
    Specialty.objects.create(name="Aerospace Medicine")
    settings.CACHES = DEAD_REDIS
    assert "Aerospace Medicine" in _page(client, "/members/manage/")


def test_the_cached_form_matches_the_rendered_one(client, co_lead):
    """The fragment is exactly what crispy renders (the second request's page,
    from the cache, equals the first's, rendered)."""
    client.force_login(co_lead.user)
    form = re.compile(r'<form method="get" class="filter-form">.*?</form>', re.S)
    first = form.search(_page(client, "/members/manage/", visa_status="h1b"))
    second = form.search(_page(client, "/members/manage/", visa_status="h1b"))
    assert first.group(0) == second.group(0)
    assert 'name="visa_status"' in first.group(0)


def test_the_second_request_does_not_query_the_choices(client, co_lead):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(co_lead.user)
    _page(client, "/members/manage/")
    with CaptureQueriesContext(connection) as queries:
        _page(client, "/members/manage/")
    # Rendering the choices would list the specialties and the programs.
    assert not any(
        q["sql"].startswith('SELECT "members_program"')
        or q["sql"].startswith('SELECT "members_specialty"')
        for q in queries.captured_queries
    )


def test_repeated_values_in_another_order_are_another_form(client, co_lead):
    client.force_login(co_lead.user)
    a = _page(client, "/members/manage/?sort=name&sort=-joined")
    b = _page(client, "/members/manage/?sort=-joined&sort=name")
    pick = re.compile(r'<option value="([^"]+)" selected>')
    assert pick.findall(a) != pick.findall(b)


@pytest.mark.parametrize("path", MEMBER_PAGES)
def test_a_typed_search_never_reaches_redis(client, co_lead, path):
    """The name a viewer searched for is shown back in the box, but neither
    the cached fragment nor its key holds it (one fragment for every search)."""
    import redis
    from django.conf import settings

    client.force_login(co_lead.user)
    store = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    for key in store.keys("*form-html*"):
        store.delete(key)
    first = _page(client, path, q="Zanelewski")
    second = _page(client, path, q='Okafor "<b>')
    assert 'value="Zanelewski"' in first
    assert 'value="Okafor &quot;&lt;b&gt;"' in second
    assert "Zanelewski" not in second
    new = store.keys("*form-html*")
    assert len(new) == 1  # both searches share one fragment
    for key in new:
        assert b"Zanelewski" not in key + store.get(key)
        assert b"Okafor" not in key + store.get(key)
