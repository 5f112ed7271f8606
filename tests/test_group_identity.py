"""The group's identity comes from settings: a second institution's portal names
its own group in pages, emails and calendars, and mints identifiers on its own
domain (issue #18 item 3)."""

from pathlib import Path

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from icalendar import Calendar

from notifications.outbox import email_queue_template
from tests.conftest import client_for
from tests.factories import EventFactory, MemberFactory

RIVERSIDE = {
    "GROUP_NAME": "Riverside IMG Network",
    "GROUP_SHORT_NAME": "Riverside IMGs",
    "GROUP_INSTITUTION": "Riverside Health",
    "GROUP_GME_OFFICE": "the Riverside GME Office",
    "GROUP_CONTACT_EMAIL": "img-network@riverside.example",
    "GROUP_COLOUR": "#6f2c91",
    "SITE_URL": "https://portal.riverside.example",
}
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@override_settings(**RIVERSIDE)
def test_pages_name_the_configured_group(db):
    member = MemberFactory()
    page = client_for(member).get(reverse("home")).content.decode()
    assert "IMG Portal" not in page
    assert "· Riverside IMGs</title>" in page
    assert 'class="navbar-brand"' in page and "Riverside IMGs</a>" in page
    assert "Riverside IMG Network, Riverside Health" in page
    assert "the Riverside GME Office" in page
    assert 'href="mailto:img-network@riverside.example"' in page
    public = Client().get(reverse("handbook:index")).content.decode()
    assert "IMG Portal" not in public
    assert "Riverside IMGs" in public


@override_settings(**RIVERSIDE)
def test_the_colour_reaches_pages_as_a_stylesheet(db):
    page = Client().get(reverse("handbook:index")).content.decode()
    assert f'href="{reverse("group_css")}"' in page
    css = Client().get(reverse("group_css"))
    assert css["Content-Type"].startswith("text/css")
    assert "#6f2c91" in css.content.decode()
    # Whatever the environment holds, only a colour reaches the stylesheet.
    with override_settings(GROUP_COLOUR="red;} body{display:none"):
        css = Client().get(reverse("group_css")).content.decode()
    assert "display:none" not in css
    assert "#0d6efd" in css


@override_settings(**RIVERSIDE)
def test_emails_carry_the_group_name_and_the_sites_own_message_ids(
    db, django_capture_on_commit_callbacks
):
    member = MemberFactory(preferred_name="Ana")
    with django_capture_on_commit_callbacks(execute=True):
        email_queue_template(
            key="identity:1",
            to="ana@example.org",
            template_prefix="members/email/approved",
            context={"member": member, "home_path": "/"},
        )
    (message,) = mail.outbox
    assert message.subject.startswith("[Riverside IMGs] ")
    assert "IMG Portal" not in message.subject + message.body
    assert message.extra_headers["Message-ID"].endswith("@portal.riverside.example>")


@override_settings(**RIVERSIDE)
def test_calendar_uids_and_names_use_the_site(db):
    member = MemberFactory()
    event = EventFactory()
    client = client_for(member)
    calendar = Calendar.from_ical(
        client.get(reverse("events:ics", args=[event.pk])).content
    )
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["UID"]) == f"event-{event.pk}@portal.riverside.example"


def test_no_template_hard_codes_the_portals_name():
    named = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*")
        if path.is_file() and "IMG Portal" in path.read_text(encoding="utf-8")
    ]
    assert named == [], "use {{ group.name }} or {% group %} instead"


@pytest.mark.parametrize(
    "site_url, domain",
    [
        ("https://portal.riverside.example", "portal.riverside.example"),
        ("http://127.0.0.1:8000", "127.0.0.1"),
    ],
)
def test_the_site_domain_is_the_host_of_site_url(site_url, domain):
    from imgportal.identity import site_domain

    with override_settings(SITE_URL=site_url):
        assert site_domain() == domain
