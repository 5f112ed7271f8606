"""One look for every email: the group's wordmark and colour, a phone-width
column, a footer saying why the reader got it, and a plain-text twin that says
the same things.

An email is `<prefix>_subject.txt` and `<prefix>_message.txt` (the text part).
Its HTML part is `<prefix>_message.html` when one exists (it extends
`email/layout.html` and fills `{% block body %}`), otherwise the text part laid
out in `email/layout.html` by `text_to_html`: paragraphs, lists, links. Both
parts end with the same footer (`email/footer.txt`, the layout's own footer).

No image is ever put in an email: a remote one tells the sender when and where
it was opened (and most mail programs block it), a `data:` one is stripped by
Gmail and Outlook, and an attached (`cid:`) logo shows as a paperclip in several
programs and weighs on every newsletter copy. The group's name in its colour is
the wordmark. This module knows nothing of members or categories: callers (the
outbox, the account adapter, newsletters) say why the reader gets the email and
give the unsubscribe link when there is one."""

import re
from dataclasses import dataclass, field
from html import escape

from django.conf import settings
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from imgportal.identity import GroupIdentity, group_identity

LAYOUT = "email/layout.html"
FOOTER_TEXT = "email/footer.txt"
# Text on white needs 4.5:1 (WCAG 2.2, 1.4.3); a pale group colour is kept for
# the band at the top and the text falls back to near-black.
MIN_CONTRAST = 4.5
TEXT_ON_WHITE = "#1f2328"
URL = re.compile(r"https?://[^\s<>\"']+")
LIST_ITEM = re.compile(r"^\s*[-*•] +")
LABEL = re.compile(r"^([A-Z][\w' ,/()-]{0,40}): (\S.*)$")


@dataclass(frozen=True)
class Footer:
    """Why the reader gets this email, and how to get fewer."""

    reason: str = ""
    unsubscribe_url: str = ""
    unsubscribe_label: str = "Unsubscribe from these emails"
    preferences_url: str = ""
    links: tuple[tuple[str, str], ...] = ()  # (label, url) shown above the rest


@dataclass(frozen=True)
class Layout:
    """What `email/layout.html` and `email/footer.txt` read, as `layout`."""

    subject: str
    footer: Footer
    group: GroupIdentity = field(default_factory=group_identity)
    site_url: str = field(default_factory=lambda: f"{settings.SITE_URL}/")
    text_html: str = ""  # the text part as HTML (a SafeString)

    @property
    def accent(self) -> str:
        """The group colour where it reads on white, else near-black."""
        colour = self.group.colour
        return colour if contrast_on_white(colour) >= MIN_CONTRAST else TEXT_ON_WHITE


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def contrast_on_white(colour: str) -> float:
    """WCAG contrast ratio of a #rrggbb colour against white."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return 1.05 / (luminance + 0.05)


def linkify(text: str) -> SafeString:
    """Escape `text` and make each http(s) URL in it a link showing the URL."""
    parts, position = [], 0
    for match in URL.finditer(text):
        url = match.group()
        # Punctuation after a URL ends the sentence, not the URL.
        while url and (url[-1] in ".,;:!?'\"" or (url[-1] == ")" and "(" not in url)):
            url = url[:-1]
        parts.append(escape(text[position : match.start()]))
        parts.append(
            f'<a href="{escape(url)}" style="word-break:break-all">{escape(url)}</a>'
        )
        position = match.start() + len(url)
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))  # noqa: S308 (every piece escaped above)


def _line(text: str, *, labelled: bool) -> str:
    match = LABEL.match(text) if labelled else None
    if match:
        return f"<strong>{escape(match.group(1))}:</strong> {linkify(match.group(2))}"
    return linkify(text)


def text_to_html(text: str) -> SafeString:
    """The text part as HTML: blank lines part paragraphs, "- " lines make a
    list (indented lines continue an item), a paragraph of "Label: value" lines
    shows its labels in bold, and every URL is a link."""
    html = []
    for block in re.split(r"\n[ \t]*\n", text.strip()):
        lines = [line.rstrip() for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        if LIST_ITEM.match(lines[0]):
            items: list[list[str]] = []
            for line in lines:
                if LIST_ITEM.match(line) or not items:
                    items.append([LIST_ITEM.sub("", line)])
                else:
                    items[-1].append(line.strip())
            html.append(
                '<ul style="margin:0 0 16px;padding-left:24px">'
                + "".join(
                    '<li style="margin:0 0 6px">'
                    + "<br>".join(linkify(part) for part in item)
                    + "</li>\n"
                    for item in items
                )
                + "</ul>"
            )
            continue
        labelled = len(lines) > 1 and all(LABEL.match(line) for line in lines)
        html.append(
            '<p style="margin:0 0 16px">'
            + "<br>\n".join(_line(line.strip(), labelled=labelled) for line in lines)
            + "</p>"
        )
    return mark_safe("\n".join(html))  # noqa: S308 (built from escaped pieces)


def with_footer(text: str, layout: Layout) -> str:
    """The text part with the footer every email ends with."""
    footer = render_to_string(FOOTER_TEXT, {"layout": layout}).strip()
    return f"{text.rstrip()}\n\n{footer}\n"


def email_render(
    template_prefix: str, context: dict, *, footer: Footer, request=None
) -> RenderedEmail:
    """Subject, text and HTML of the email `template_prefix`, in the layout."""
    context = {"site_url": settings.SITE_URL, **context}
    subject = render_to_string(f"{template_prefix}_subject.txt", context, request)
    subject = " ".join(subject.splitlines()).strip()
    text = render_to_string(f"{template_prefix}_message.txt", context, request)
    layout = Layout(subject=subject, footer=footer, text_html=text_to_html(text))
    try:
        html = render_to_string(
            f"{template_prefix}_message.html", {**context, "layout": layout}, request
        )
    except TemplateDoesNotExist:
        html = render_to_string(LAYOUT, {"layout": layout})
    return RenderedEmail(subject=subject, text=with_footer(text, layout), html=html)


def email_wrap(*, subject: str, text: str, footer: Footer) -> RenderedEmail:
    """A text rendered elsewhere (allauth's), with the footer and in the layout."""
    layout = Layout(subject=subject, footer=footer, text_html=text_to_html(text))
    return RenderedEmail(
        subject=subject,
        text=with_footer(text, layout),
        html=render_to_string(LAYOUT, {"layout": layout}),
    )
