"""Issue 22 item 8: one way of writing dates, money and allauth's words."""

import datetime as dt
import gettext
import re
import subprocess
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from imgportal.csv_export import spreadsheet_safe
from imgportal.templatetags.portal_format import money
from tests.conftest import client_for, page_text

LOCALE = Path(__file__).resolve().parent.parent / "locale" / "en" / "LC_MESSAGES"
CHICAGO = ZoneInfo("America/Chicago")


def render(source: str, **context) -> str:
    return Template(source).render(Context(context))


def test_pages_write_dates_one_way():
    moment = dt.datetime(2026, 2, 10, 18, 0, tzinfo=CHICAGO)
    assert render("{{ when }}", when=moment) == "Tue 10 Feb 2026, 18:00"
    assert render("{{ when|date }}", when=moment.date()) == "Tue 10 Feb 2026"
    assert render('{{ when|date:"DATETIME_FORMAT" }}', when=moment) == (
        "Tue 10 Feb 2026, 18:00"
    )


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("1234.5"), "$1,234.50"),
        (0, "$0.00"),
        (Decimal("-20"), "-$20.00"),
        (1250000, "$1,250,000.00"),
        (None, ""),
        ("not money", "not money"),
    ],
)
def test_money_has_the_symbol_and_thousands_separators(amount, shown):
    assert money(amount) == shown


def test_csv_cells_write_dates_in_iso_8601(settings):
    settings.TIME_ZONE = "America/Chicago"
    moment = dt.datetime(2026, 2, 11, 0, 30, tzinfo=dt.UTC)
    assert spreadsheet_safe(moment) == "2026-02-10T18:30:00-06:00"
    assert spreadsheet_safe(dt.date(2026, 2, 10)) == "2026-02-10"
    assert spreadsheet_safe(timezone.now().date()).count("-") == 2


def test_allauth_pages_say_sign_in_and_sign_up(client, db):
    login = page_text(client.get(reverse("account_login")))
    assert "Sign In" not in login
    assert re.search(r"<h1[^>]*>\s*Sign in\s*</h1>", login)
    assert re.search(r'<button[^>]*type="submit"[^>]*>\s*Sign in\s*</button>', login)
    signup = page_text(client.get(reverse("account_signup")))
    assert "Sign Up" not in signup
    assert "Sign up" in signup


def test_the_compiled_wording_matches_its_source():
    """django.mo is committed (CI machines need no gettext): it must be the
    compilation of django.po, so an edit to one without the other fails."""
    source = (LOCALE / "django.po").read_text()
    pairs = dict(re.findall(r'msgid "(.+)"\nmsgstr "(.*)"', source))
    with (LOCALE / "django.mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    assert pairs, "no wording in django.po"
    for msgid, msgstr in pairs.items():
        assert catalogue.gettext(msgid) == msgstr
    if Path("/usr/bin/msgfmt").exists():
        subprocess.run(
            [
                "/usr/bin/msgfmt",
                "--check",
                "-o",
                "/dev/null",
                str(LOCALE / "django.po"),
            ],
            check=True,
        )


def test_pending_page_no_longer_says_the_handbook_is_closed(pending_member):
    page = page_text(client_for(pending_member).get(reverse("members:pending")))
    assert "the handbook" in page
    assert "the handbook and mentoring) stay closed" not in page
    assert reverse("handbook:index") in page


def test_gme_staff_are_not_offered_my_status_unless_they_are_members(
    gme_staff, resident
):
    staff = client_for(gme_staff)
    assert 'data-nav="status"' not in staff.get(reverse("home")).content.decode()
    assert staff.get(reverse("tracker:status")).status_code == 403
    own = client_for(resident)
    assert 'data-nav="status"' in own.get(reverse("home")).content.decode()
    assert own.get(reverse("tracker:status")).status_code == 200
