"""Issue 22 item 3: the navigation and layout, tried at the widths people use.

Every page a browser test loads is checked by axe-core (serious and critical
violations fail, see `conftest.py`); this file walks the main pages of each
role at phone (390 px) and desktop (1280 px) width so each is checked at both,
and checks what axe cannot: no sideways scrolling at 360 px, a navigation bar
on one line from 1024 to 1920 px, the current page marked, keyboard focus
visible, focus on the first error after a failed submit, and dark mode."""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from contacts.models import Contact
from events.models import Event
from handbook.models import Page
from leadership.models import Opening, ShortlistEntry
from members.demo import DEMO_PASSWORD
from members.models import User
from tests.e2e.conftest import new_page
from tests.factories import current_totp_code, give_totp

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

RESIDENT = "resident@demo.imgportal.test"
CO_LEAD = "colead@demo.imgportal.test"


@pytest.fixture
def demo_data():
    call_command("seed_demo", "--force", "--members", "12")
    co_lead = User.objects.get(email=CO_LEAD)
    co_lead.is_superuser = co_lead.is_staff = True
    co_lead.save(update_fields=["is_superuser", "is_staff"])
    give_totp(co_lead)


def _sign_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if email == CO_LEAD:
        page.get_by_label("Code").fill(current_totp_code())
        page.get_by_role("button", name="Sign in").click()
    expect(page.locator("[data-nav=sign-out]")).to_have_count(1)


def _resident_pages() -> list[str]:
    event = Event.objects.filter(status=Event.Status.PUBLISHED).first()
    page = Page.objects.filter(published_revision__isnull=False).first()
    return [
        reverse("home"),
        reverse("events:list"),
        reverse("events:calendar"),
        reverse("events:detail", args=[event.pk]),
        reverse("handbook:index"),
        page.get_absolute_url(),
        reverse("handbook:search") + "?q=visa",
        reverse("mentorship:hub"),
        reverse("leadership:board"),
        reverse("members:directory"),
        reverse("members:me"),
        reverse("tracker:status"),
        reverse("contacts:list"),
        reverse("newsletters:archive"),
        reverse("members:about"),
    ]


def _co_lead_pages() -> list[str]:
    event = Event.objects.filter(status=Event.Status.PUBLISHED).first()
    return [
        reverse("members:manage"),
        reverse("members:dashboard"),
        reverse("members:join_requests"),
        reverse("events:report"),
        reverse("events:attendees", args=[event.pk]),
        reverse("mentorship:rounds"),
        reverse("mentorship:overview"),
        reverse("newsletters:manage"),
        reverse("handbook:reviews"),
        reverse("tracker:totals"),
        reverse("members:rollover"),
        reverse("system"),
    ]


def _no_sideways_scroll(page, url: str) -> None:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - window.innerWidth"
    )
    assert overflow <= 0, f"{url} scrolls sideways by {overflow}px"


@pytest.mark.parametrize(
    ("width", "scheme"), [(390, "light"), (1280, "light"), (1280, "dark")]
)
def test_main_pages_pass_axe_and_fit_the_width(
    browser, live_server, demo_data, width, scheme
):
    """axe runs on each page as it loads (conftest), in light and dark mode;
    here each page is also checked for sideways scrolling, for a visitor, a
    resident and a co-lead."""
    size = {"viewport": {"width": width, "height": 800}, "color_scheme": scheme}
    visitor_context, visitor = new_page(browser, live_server, **size)
    for url in ("/", reverse("account_login"), reverse("account_signup")):
        visitor.goto(url)
        _no_sideways_scroll(visitor, url)
    visitor_context.close()
    for email, pages in ((RESIDENT, _resident_pages), (CO_LEAD, _co_lead_pages)):
        context, page = new_page(browser, live_server, **size)
        _sign_in(page, email)
        for url in pages():
            page.goto(url)
            _no_sideways_scroll(page, url)
        context.close()


def test_phone_width_360_never_scrolls_sideways(browser, live_server, demo_data):
    context, page = new_page(
        browser, live_server, viewport={"width": 360, "height": 740}
    )
    _sign_in(page, CO_LEAD)
    for url in _resident_pages() + _co_lead_pages():
        page.goto(url)
        _no_sideways_scroll(page, url)
    # The menu opens from the toggler and every link in it is reachable.
    page.goto("/")
    page.get_by_role("button", name="Show menu").click()
    expect(page.get_by_role("link", name="Events", exact=True)).to_be_visible()
    # Escape closes it and the focus goes back to its button.
    expect(page.locator("#main-nav")).to_have_class(re.compile(r"\bshow\b"))
    page.keyboard.press("Escape")
    expect(page.get_by_role("link", name="Events", exact=True)).to_be_hidden()
    expect(page.get_by_role("button", name="Show menu")).to_be_focused()
    context.close()


def test_navigation_stays_on_one_line_and_marks_the_current_page(
    browser, live_server, demo_data
):
    context, page = new_page(
        browser, live_server, viewport={"width": 1024, "height": 800}
    )
    # The longest bar: member links, Manage, Account, and both badges at two
    # digits (saved openings closing this week, follow-ups due).
    member = User.objects.get(email=CO_LEAD).member
    today = timezone.localdate()
    for n in range(12):
        opening = Opening.objects.create(
            title=f"Seat {n}",
            kind=Opening.Kind.COMMITTEE,
            how_to_apply="Email the chair.",
            contact="Dr Chair",
            deadline=today + timedelta(days=3),
        )
        ShortlistEntry.objects.create(member=member, opening=opening)
        Contact.objects.create(member=member, name=f"Dr {n}", follow_up_on=today)
    _sign_in(page, CO_LEAD)
    page.goto(reverse("events:list"))
    expect(page.locator("[data-nav=leadership] .nav-badge")).to_contain_text("12")
    expect(page.locator("[data-nav=account] .nav-badge")).to_contain_text("12")
    for width in (1024, 1280, 1366, 1920):
        page.set_viewport_size({"width": width, "height": 800})
        tops = page.evaluate(
            """() => [...document.querySelectorAll(
                 '#main-nav > .navbar-nav > .nav-item, .navbar-brand')]
               .filter((el) => el.offsetParent !== null)
               .map((el) => Math.round(el.getBoundingClientRect().top))"""
        )
        assert len(set(tops)) == 1, f"the bar wraps at {width}px: {tops}"
        height = page.evaluate(
            "() => document.querySelector('.portal-navbar').offsetHeight"
        )
        assert height < 80, f"the bar is {height}px tall at {width}px"
    events = page.get_by_role("link", name="Events", exact=True)
    expect(events).to_have_attribute("aria-current", "page")
    page.goto(reverse("events:report"))
    expect(page.locator("[data-nav=manage]")).to_have_attribute("aria-current", "true")
    expect(page.locator("[data-nav=events]")).not_to_have_attribute(
        "aria-current", "page"
    )
    # Keyboard focus is visible on the bar: a 3px outline, not the browser's
    # faint default.
    page.locator("[data-nav=home]").focus()
    page.keyboard.press("Tab")
    outline = page.evaluate(
        "() => getComputedStyle(document.activeElement).outlineWidth"
    )
    assert outline == "3px"
    context.close()


def test_failed_submit_focuses_the_first_field_with_its_error(page, demo_data):
    _sign_in(page, RESIDENT)
    page.goto(reverse("contacts:create"))
    page.get_by_role("button", name="Save").click()
    # The page comes back with the error; wait for it before reading the focus.
    expect(page.locator('[name="name"][aria-invalid="true"]')).to_be_focused()
    focused = page.evaluate(
        """() => {
             const el = document.activeElement;
             const ids = (el.getAttribute('aria-describedby') || '').split(' ');
             return {invalid: el.getAttribute('aria-invalid'), name: el.name,
                     described: ids.map((id) => document.getElementById(id))
                       .filter(Boolean).map((d) => d.textContent.trim()).join(' ')};
           }"""
    )
    assert focused["invalid"] == "true"
    assert focused["name"] == "name"
    assert "required" in focused["described"]


def test_dark_mode_follows_the_toggle_and_is_remembered(page, demo_data):
    _sign_in(page, RESIDENT)
    html = page.locator("html")
    expect(html).to_have_attribute("data-bs-theme", "light")
    toggle = page.get_by_role("button", name="Dark mode")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(html).to_have_attribute("data-bs-theme", "dark")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    # Remembered across pages; axe checks the dark pages' contrast as they load.
    for url in (reverse("events:list"), reverse("tracker:status"), reverse("home")):
        page.goto(url)
        expect(html).to_have_attribute("data-bs-theme", "dark")
    page.get_by_role("button", name="Dark mode").click()
    expect(html).to_have_attribute("data-bs-theme", "light")


def test_dark_mode_follows_the_system_setting(browser, live_server, demo_data):
    context, page = new_page(browser, live_server, color_scheme="dark")
    page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("data-bs-theme", "dark")
    context.close()


def test_a_refused_roster_puts_the_focus_on_what_is_wrong(page, demo_data):
    """No field is left to fix once a roster file is refused: the focus goes
    to the summary of what is wrong, which a screen reader then reads."""
    _sign_in(page, CO_LEAD)
    page.goto(reverse("members:import"))
    page.get_by_label("Roster CSV").set_input_files(
        {"name": "roster.csv", "mimeType": "text/csv", "buffer": b"\xff\xfe\x00bad"}
    )
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
