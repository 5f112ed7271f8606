"""Preview as email: a page that shows an email's HTML part in a sandboxed
frame and its text part below it, for the people who may send it.

The HTML part is answered on its own URL (`raw_email_response`) with its own
Content-Security-Policy: an email styles itself inline, which the pages' policy
forbids, so that one response allows inline styles and nothing else (no
script, no image, no form, no request anywhere), is sandboxed, and may be
framed only by the portal's own preview page. An `<iframe srcdoc>` would
inherit the page's policy and show the email without its styles."""

from dataclasses import dataclass, field

from django.conf import settings
from django.http import HttpResponse

RAW_EMAIL_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'self'; sandbox"
)
PREVIEW_TEMPLATE = "email/preview.html"


@dataclass(frozen=True)
class EmailPreview:
    """What the preview page shows around the frame."""

    subject: str
    to: str
    text: str
    raw_url: str
    back_url: str
    back_label: str
    audience: str = ""  # who gets it, in words
    reply_to: str = ""
    note: str = ""  # which email this is, when there is a choice
    alternatives: tuple[tuple[str, str], ...] = ()  # (label, url) of the others
    from_email: str = field(default_factory=lambda: settings.DEFAULT_FROM_EMAIL)


def raw_email_response(html: str) -> HttpResponse:
    """The email's HTML part as sent, under a policy of its own (see above)."""
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = RAW_EMAIL_POLICY
    response["X-Frame-Options"] = "SAMEORIGIN"
    response["Referrer-Policy"] = "no-referrer"
    return response
