"""Every email the portal sends, rendered with sample data through the function
that sends it: a text part and an HTML part in the group's layout, the same
links in both, and an unsubscribe link exactly where the reader can turn that
kind of email off.

The emails are found by walking `templates/**/email/*_message.txt`, so a new
email is checked the day it is added; one whose variables SAMPLE lacks fails
here (a missing variable renders as a marker) until SAMPLE gains them."""

import copy
import re
from datetime import date, datetime
from html import unescape
from pathlib import Path
from types import SimpleNamespace as Sample

import pytest
from allauth.account.adapter import get_adapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory, override_settings
from django.utils import timezone

from members.models import User
from newsletters import transport
from newsletters.models import Newsletter
from notifications.models import Category
from notifications.rendering import email_render_for

TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates"
MISSING = "MISSING-VARIABLE<%s>"
URL = re.compile(r"https?://[^\s<>\"']+")

# The category each email is queued with (tests/test_email_templates.py is the
# list; the services pass the same to email_queue_template). Not listed: a
# transactional email, which has no unsubscribe link.
CATEGORY = {
    "contacts/email/follow_up": Category.FOLLOW_UPS,
    "events/email/reminder": Category.EVENT_REMINDERS,
    "events/email/nudge": Category.EVENT_REMINDERS,
    "events/email/feedback_request": Category.EVENT_REMINDERS,
    "handbook/email/watch": Category.HANDBOOK,
    "handbook/email/review": Category.HANDBOOK,
    "handbook/email/due": Category.HANDBOOK,
    "leadership/email/deadline": Category.LEADERSHIP,
    "mentorship/email/accepted": Category.MENTORSHIP,
    "mentorship/email/answered": Category.MENTORSHIP,
    "mentorship/email/declined": Category.MENTORSHIP,
    "mentorship/email/proposed": Category.MENTORSHIP,
    "mentorship/email/question": Category.MENTORSHIP,
    "mentorship/email/reminder": Category.MENTORSHIP,
    "notifications/email/digest": Category.DIGEST,
    "tracker/email/reminder": Category.STATUS_REMINDERS,
}
NEWSLETTER = "newsletters/email/newsletter"
# allauth's emails this portal can send (password sign-in, mandatory
# verification). Its security notices (MFA, password changed) are sent only
# with ACCOUNT_EMAIL_NOTIFICATIONS, which is off: see the test below.
ACCOUNT_EMAILS = [
    "account/email/email_confirmation",
    "account/email/email_confirmation_signup",
    "account/email/password_reset_key",
    "account/email/unknown_account",
    "account/email/account_already_exists",
]

SITE = "http://testserver"
person = Sample(
    pk=7,
    display_name="Ana O'Neil",
    full_name="Ana O'Neil",
    first_name="Ana",
    email="ana@example.org",
    get_full_name="Ana O'Neil",
)
event = Sample(
    title="Orientation <panel> & dinner",
    place="Room 2",
    online_url="https://meet.example/abc",
)
revision = Sample(
    author=person,
    page=Sample(title="Housing"),
    summary="New deposit rules",
    review_note="Cite the lease law.",
    is_suggestion=True,
)
match = Sample(
    mentor="Dr. Bea Mentor",
    request=Sample(mentee="Ana O'Neil", goals="Fellowship in cardiology"),
    answer="Yes, Tuesdays",
    question="When are you free?",
)
SAMPLE = {
    "member": person,
    "person": person,
    "co_lead": person,
    "event": event,
    "when": "Friday 4 July 2025, 18:00–20:00",
    "event_url": f"{SITE}/events/3/",
    "feedback_url": f"{SITE}/events/3/feedback/",
    "confirm_url": f"{SITE}/events/offers/tok/",
    "expires": datetime(2025, 7, 3, 18, 0, tzinfo=timezone.get_current_timezone()),
    "moved": "time, place",
    "show_online": True,
    "subject": "Tomorrow: Orientation",
    "code": "K7P-2QX",
    "guests": [Sample(display_name="Sam", get_age_display="Adult")],
    "message": Sample(subject="Bring your badge", body="See you at 6.\n\nAna"),
    "sender_name": "Ana O'Neil",
    "revision": revision,
    "page_url": f"{SITE}/handbook/housing/",
    "review_url": f"{SITE}/handbook/housing/review/",
    "draft_url": f"{SITE}/handbook/housing/draft/",
    "reviewer": "Dr. Bea Editor",
    "comment": Sample(body="Please cite the lease law."),
    "pages": [
        Sample(
            title="Housing",
            due=date(2025, 7, 1),
            stale=True,
            url=f"{SITE}/handbook/housing/",
        )
    ],
    "opening": Sample(
        title="Chief resident",
        deadline=date(2025, 7, 10),
        how_to_apply="Write to the PD",
        contact="pd@example.org",
    ),
    "note": "Ask Bea first",
    "days": 3,
    "url": f"{SITE}/somewhere/",
    "home_path": "/",
    "path": "/members/manage/x/",
    "academic_year": "2025-2026",
    "invitation": Sample(
        invitee=person, invited_by=person, handover_on=date(2025, 7, 1)
    ),
    "why": "graduated",
    "former": "Bea",
    "filled": 2,
    "seats": 3,
    "match": match,
    "kind": "Career",
    "reasons": ["same specialty", "both from Brazil"],
    "links": Sample(accept=f"{SITE}/m/accept/", decline=f"{SITE}/m/decline/"),
    "match_url": f"{SITE}/mentors/matches/5/",
    "sections": [
        ("Events", [f"New: Orientation, Friday: {SITE}/events/3/"]),
        ("Handbook updates", [f"Housing: deposits {SITE}/handbook/housing/"]),
    ],
    "info": Sample(label="H-1B expiry", what_to_do="Ask GME", lead_time="4 months"),
    "deadline": date(2025, 9, 1),
    "late": True,
    "contact": Sample(
        name="Dr. Chen",
        role="PD",
        institution="Riverside",
        follow_up_on=date(2025, 7, 1),
        last_contact_on=date(2025, 6, 1),
    ),
}


def _discovered() -> list[str]:
    prefixes = []
    for path in sorted(TEMPLATES_DIR.glob("**/email/*_message.txt")):
        prefix = path.relative_to(TEMPLATES_DIR).as_posix()[: -len("_message.txt")]
        if Path(f"{TEMPLATES_DIR}/{prefix}_subject.txt").exists():
            prefixes.append(prefix)
        else:  # a base the others extend, not an email
            assert path.name.startswith("base_"), f"{prefix} has no _subject.txt"
    return prefixes


def _portal_emails() -> list[str]:
    """The portal's own emails. Its overrides of allauth's (account/email/) are
    sent by allauth with allauth's context: the account test below checks them."""
    return [prefix for prefix in _discovered() if not prefix.startswith("account/")]


@pytest.fixture
def strict_templates():
    """A variable the sample lacks shows as a marker instead of nothing."""
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["OPTIONS"]["string_if_invalid"] = MISSING
    with override_settings(TEMPLATES=templates):
        yield


def _render(prefix: str):
    """(subject, text, html, category) as the sender would produce them."""
    if prefix == NEWSLETTER:
        newsletter = Newsletter(
            pk=4,
            subject="July news",
            body="# July\n\nRead [the guide](https://example.org/guide).",
            body_html='<h1>July</h1><p>Read <a href="https://example.org/guide">'
            "the guide</a>.</p>",
            category=Category.NEWSLETTER,
        )
        text, html = transport.render_for(newsletter, member_id=person.pk)
        return newsletter.subject, text, html, Category.NEWSLETTER
    category = CATEGORY.get(prefix, "")
    rendered = email_render_for(
        template_prefix=prefix,
        context=SAMPLE,
        member=person if category else None,
        category=category,
    )
    return rendered.subject, rendered.text, rendered.html, category


def _render_account(prefix: str):
    request = RequestFactory().get("/accounts/password/reset/")
    request.user = AnonymousUser()
    user = User(email="ana@example.org", first_name="Ana")
    context = {
        "user": user,
        "email": user.email,
        "activate_url": f"{SITE}/accounts/confirm-email/KEY/",
        "key": "KEY",
        "password_reset_url": f"{SITE}/accounts/password/reset/key/1-x/",
        "signup_url": f"{SITE}/accounts/signup/",
        "request": request,
        "current_site": Sample(name="IMG Portal", domain="testserver"),
    }
    with allauth_context.request_context(request):
        message = get_adapter().render_mail(prefix, user.email, context)
    (html, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    return message.subject, message.body, html, ""


def _check(prefix, subject, text, html, category):
    group = settings.GROUP_NAME
    for part in (subject, text, html):
        assert "MISSING-VARIABLE" not in part, (
            f"{prefix}: add the variable to SAMPLE in this file: "
            f"{re.findall(r'MISSING-VARIABLE<[^>]*>', part)}"
        )
    assert text.strip() and html.strip()
    assert group in html and group in text
    assert '<html lang="' in html
    assert '<meta name="viewport" content="width=device-width' in html
    assert '<meta name="color-scheme" content="light dark">' in html
    assert "<img" not in html, "no images in email (remote ones track the reader)"
    assert "<script" not in html
    hrefs = {unescape(h) for h in re.findall(r'href="([^"]+)"', html)}
    for url in URL.findall(text):
        url = url.rstrip(".,;:!?)")
        assert url in hrefs, f"{prefix}: {url} is in the text part only"
    unsubscribe = [h for h in hrefs if "/unsubscribe/" in h]
    if category:
        assert len(unsubscribe) == 1, f"{prefix}: one unsubscribe link"
        assert unsubscribe[0] in text
        assert "Choose which emails you get" in text
    else:
        assert not unsubscribe, f"{prefix} can't be turned off: no unsubscribe link"
        assert "/unsubscribe/" not in text


def test_every_email_template_is_found():
    """The walk finds the portal's emails (and the categories name real ones)."""
    found = _discovered()
    assert "events/email/reminder" in found
    assert NEWSLETTER in found
    assert set(CATEGORY) <= set(found), set(CATEGORY) - set(found)


@pytest.mark.parametrize("prefix", _portal_emails())
def test_each_portal_email_has_both_parts_in_the_group_layout(prefix, strict_templates):
    _check(prefix, *_render(prefix))


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", ACCOUNT_EMAILS)
def test_each_account_email_has_both_parts_and_no_unsubscribe_link(
    prefix, strict_templates
):
    subject, text, html, category = _render_account(prefix)
    _check(prefix, subject, text, html, category)
    assert "sign-in pages" in text  # why they get it, in both parts
    assert "sign-in pages" in html
    # In the portal's words (templates/account/email/), not allauth's stock ones.
    assert prefix in _discovered()
    assert "You're receiving this email" not in text
    assert "You are receiving this email" not in text


def test_every_account_email_the_portal_words_is_checked():
    """An override of another allauth email joins ACCOUNT_EMAILS (and SAMPLE)."""
    overrides = {p for p in _discovered() if p.startswith("account/")}
    assert overrides <= set(ACCOUNT_EMAILS), overrides - set(ACCOUNT_EMAILS)


def test_allauth_security_notices_are_off():
    """allauth's own notices (password changed, 2FA on) are not sent; turning
    ACCOUNT_EMAIL_NOTIFICATIONS on means adding them to ACCOUNT_EMAILS."""
    assert not getattr(settings, "ACCOUNT_EMAIL_NOTIFICATIONS", False)


def test_text_is_escaped_in_the_html_part(strict_templates):
    """A title with < and & reads as typed in both parts; nothing is injected."""
    _, text, html, _ = _render("events/email/reminder")
    assert "Orientation <panel> & dinner" in text
    assert "Orientation &lt;panel&gt; &amp; dinner" in html
    assert "<panel>" not in html


def test_a_pale_group_colour_still_gives_readable_text(strict_templates):
    """The band keeps the group's colour; links and the wordmark fall back to
    near-black where the colour would be unreadable on white."""
    from imgportal.identity import _identity

    _identity.cache_clear()
    with override_settings(GROUP_COLOUR="#ffe066"):
        _, _, html, _ = _render("members/email/approved")
    _identity.cache_clear()
    assert "border-top:6px solid #ffe066" in html
    assert "color:#1f2328;font-size:20px" in html
