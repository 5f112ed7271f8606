"""Issue 22 item 3: the bar marks the current page and its section."""

import re

import pytest
from django.urls import reverse

from imgportal.navigation import section_for
from tests.conftest import client_for


@pytest.mark.parametrize(
    ("path", "section"),
    [
        ("/", "home"),
        ("/events/", "events"),
        ("/events/12/", "events"),
        ("/events/report/", "manage"),
        ("/events/new/", "manage"),
        ("/members/", "directory"),
        ("/members/42/", "directory"),
        ("/members/42/edit/", "manage"),
        ("/members/me/edit/", "profile"),
        ("/members/manage/import/", "manage"),
        ("/members/about/", "about"),
        ("/handbook/visas/j1/", "handbook"),
        ("/handbook/reviews/", "manage"),
        ("/status/", "status"),
        ("/status/totals/", "manage"),
        ("/mentorship/", "mentoring"),
        ("/mentorship/rounds/3/", "manage"),
        ("/newsletters/", "newsletters"),
        ("/newsletters/manage/", "manage"),
        ("/newsletters/preferences/", "account"),
        ("/accounts/email/", "account"),
        ("/contacts/", "contacts"),
        ("/nowhere/", ""),
    ],
)
def test_each_path_belongs_to_one_section(path, section):
    assert section_for(path) == section


def current(page: str) -> dict[str, str]:
    """data-nav key → its aria-current value, for the marked links."""
    found = {}
    for tag in re.findall(r"<(?:a|button)\b[^>]*data-nav=[^>]*>", page):
        key = re.search(r'data-nav="([\w-]+)"', tag).group(1)
        mark = re.search(r'aria-current="(\w+)"', tag)
        if mark:
            found[key] = mark.group(1)
    return found


def test_the_current_page_is_marked_page_and_nothing_else(resident):
    page = client_for(resident).get(reverse("events:list")).content.decode()
    assert current(page) == {"events": "page"}
    assert 'class="nav-link active" href="/events/"' in page


def test_a_page_inside_a_section_marks_the_section(resident):
    page = client_for(resident).get(reverse("members:profile_edit")).content.decode()
    # My profile sits in the Account menu: both the menu and the link show it.
    assert current(page) == {"account": "true", "profile": "true"}


def test_staff_pages_mark_the_manage_menu(co_lead):
    page = client_for(co_lead).get(reverse("events:report")).content.decode()
    assert current(page) == {"manage": "true", "events-report": "page"}


def test_newsletters_mark_the_more_menu(resident):
    page = client_for(resident).get(reverse("newsletters:archive")).content.decode()
    assert current(page) == {"more": "true", "newsletters": "page"}
