"""Markdown to safe HTML, for anything members or staff write (newsletters, the
handbook): rendered with Python-Markdown, then sanitised with nh3 so no script,
style, event handler or javascript: URL survives.

Images: on pages only from the portal's own origin (a relative path or
SITE_URL); a remote one keeps its alt text and loses its address, so no third
party learns who read what. Emails carry no images at all (`without_images`):
a picture in a newsletter to a visa segment is a tracking pixel even when it is
ours."""

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

import markdown as md
import nh3
from django.conf import settings
from django.utils.text import slugify

from imgportal.links import absolute_url

ALLOWED_TAGS = {
    "a",
    "abbr",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "abbr": {"title"},
    "th": {"align"},
    "td": {"align"},
    "h1": {"id"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
}


def is_own_origin(url: str) -> bool:
    """A relative address (on this site) or one under SITE_URL, read the way a
    browser reads it (the URL standard trims C0 controls and spaces at both
    ends, drops tab and newline anywhere, and takes "\\" for "/"), so
    "/<tab>/evil.example" or "<U+0001>//evil.example" is not taken for a path."""
    cleaned = "".join(c for c in url if c not in "\t\n\r").strip(
        "".join(map(chr, range(33)))
    )
    cleaned = cleaned.replace("\\", "/")
    parts = urlsplit(cleaned)
    if not parts.scheme and not parts.netloc:
        return not cleaned.startswith("//")
    own = urlsplit(settings.SITE_URL)
    return (parts.scheme.lower(), parts.netloc.lower()) == (
        own.scheme.lower(),
        own.netloc.lower(),
    )


def _own_images_only(element: str, attribute: str, value: str) -> str | None:
    if element == "img" and attribute == "src" and not is_own_origin(value):
        return None
    return value


def render_markdown(text: str) -> str:
    """Safe HTML for `text` written in Markdown."""
    html = md.markdown(text, extensions=["extra", "sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_own_images_only,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def own_images_only(html: str) -> str:
    """HTML stored by an earlier renderer, shown with today's image rule
    (idempotent on what `render_markdown` or `render_document` wrote)."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes={"a": {"headerlink"}},
        attribute_filter=_only_heading_ids,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def _absolute_links(tag: str, attribute: str, value: str) -> str:
    """A link to a portal page (`/handbook/`) works from a mail program only
    with the site's address in front of it."""
    if tag == "a" and attribute == "href" and value.startswith("/"):
        if not value.startswith("//"):
            return absolute_url(value)
    return value


def without_images(html: str) -> str:
    """Rendered HTML for an email: the same, with every image left out and
    links to the portal's own pages made absolute."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS - {"img"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        attribute_filter=_absolute_links,
    )


# --- Long documents (the handbook) ---------------------------------------------

# Ids the renderer gives headings carry this prefix; any other id (from raw HTML)
# is dropped, so a page cannot clobber the portal's own ids (#content, forms).
HEADING_ID_PREFIX = "section-"
PERMALINK = re.compile(r'<a class="headerlink"[^>]*>#</a>')
WIKI_LINK = re.compile(r"\[\[([a-z0-9-]+/[a-z0-9-]+)(?:\|([^\[\]\n]{1,120}))?\]\]")


@dataclass(frozen=True)
class RenderedDocument:
    html: str
    toc: list[dict]  # [{"level": 2, "id": "section-…", "text": "…"}], in order
    headings_text: str
    plain_text: str
    missing_links: list[str]
    # Image addresses the sanitiser dropped (remote, or not an allowed path), in
    # order, so an editor's preview can say why a picture will not show.
    dropped_images: tuple[str, ...] = ()


def _heading_slug(value: str, separator: str) -> str:
    return HEADING_ID_PREFIX + (slugify(value) or "part")


def _only_heading_ids(element: str, attribute: str, value: str) -> str | None:
    if attribute == "id" and not value.startswith(HEADING_ID_PREFIX):
        return None
    return _own_images_only(element, attribute, value)


def _flatten(tokens: list[dict]) -> list[dict]:
    flat = []
    for token in tokens:
        flat.append(
            {
                "level": token["level"],
                "id": token["id"],
                "text": html.unescape(token["name"]),
            }
        )
        flat.extend(_flatten(token["children"]))
    return flat


def resolve_wiki_links(
    text: str, pages: dict[str, tuple[str, str]]
) -> tuple[str, list]:
    """`[[chapter/page]]` or `[[chapter/page|label]]` → a Markdown link to that
    page (`pages` maps "chapter/page" to (url, title)); unknown targets stay as
    plain text and are reported, so an editor can fix them."""
    missing: list[str] = []

    def replace(match: re.Match) -> str:
        target, label = match.group(1), match.group(2)
        if target not in pages:
            missing.append(target)
            return label or target
        url, title = pages[target]
        return f"[{(label or title).replace('[', '(').replace(']', ')')}]({url})"

    return WIKI_LINK.sub(replace, text), missing


def _image_path(url: str) -> str:
    """The path of an own-origin address, as `is_own_origin` reads it."""
    cleaned = "".join(c for c in url if c not in "\t\n\r").strip(
        "".join(map(chr, range(33)))
    )
    return urlsplit(cleaned.replace("\\", "/")).path


def render_document(
    text: str,
    pages: dict[str, tuple[str, str]] | None = None,
    *,
    images: re.Pattern | None = None,
) -> RenderedDocument:
    """Safe HTML for a long Markdown document, with heading anchors, a table of
    contents, the plain text for search, and internal `[[chapter/page]]` links.
    With `images`, a picture shows only when its address is on this site and its
    path matches the pattern (the handbook's own uploaded files); every other
    one keeps its alt text and is named in `dropped_images`."""
    text, missing = resolve_wiki_links(text, pages or {})
    dropped: list[str] = []

    def attribute_filter(element: str, attribute: str, value: str) -> str | None:
        kept = _only_heading_ids(element, attribute, value)
        if element == "img" and attribute == "src":
            if kept is not None and images is not None:
                kept = value if images.fullmatch(_image_path(value)) else None
            if kept is None:
                dropped.append(value)
        return kept

    converter = md.Markdown(
        extensions=["extra", "sane_lists", "toc"],
        extension_configs={
            "toc": {
                "slugify": _heading_slug,
                "permalink": "#",
                "permalink_title": "Link to this section",
                # The page title is the one <h1>: a "#" heading becomes <h2>.
                "baselevel": 2,
                "toc_depth": "2-4",
            }
        },
        output_format="html",
    )
    raw = converter.convert(text)
    safe = nh3.clean(
        raw,
        tags=ALLOWED_TAGS - {"h1"},
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes={"a": {"headerlink"}},
        attribute_filter=attribute_filter,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    toc = [
        t
        for t in _flatten(converter.toc_tokens)
        if t["id"].startswith(HEADING_ID_PREFIX)
    ]
    without_anchors = PERMALINK.sub("", safe).replace("</", " </")
    plain = re.sub(r"\s+", " ", html.unescape(nh3.clean(without_anchors, tags=set())))
    plain = plain.strip()
    return RenderedDocument(
        html=safe,
        toc=toc,
        headings_text=" ".join(t["text"] for t in toc),
        plain_text=plain,
        missing_links=missing,
        dropped_images=tuple(dropped),
    )


EXCERPT_WORDS = 24


class _ExcerptParser(HTMLParser):
    """The words of a page's sanitised HTML, one piece per paragraph, list item,
    heading or table cell (the plain text for search runs them together)."""

    BLOCKS = frozenset(
        {"p", "li", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "br"}
        | {"td", "th", "dt", "dd", "tr", "ul", "ol", "dl", "table", "hr"}
    )

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.pieces: list[list[str]] = [[]]
        self.in_anchor_link = False  # the "#" after each heading

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCKS:
            self.pieces.append([])
        elif tag == "a" and ("class", "headerlink") in attrs:
            self.in_anchor_link = True

    def handle_endtag(self, tag):
        if tag in self.BLOCKS:
            self.pieces.append([])
        elif tag == "a":
            self.in_anchor_link = False

    def handle_data(self, data):
        if not self.in_anchor_link:
            self.pieces[-1].append(data)

    def words(self) -> list[list[str]]:
        return [w for w in ("".join(p).split() for p in self.pieces) if w]


def handbook_excerpt(body_html: str, limit: int = EXCERPT_WORDS) -> str:
    """The first `limit` words of a page as plain text, its paragraphs, list
    items and headings kept apart by " · ", cut with "…" when there is more.
    Plain words only: the template escapes them, no markup is passed on."""
    parser = _ExcerptParser()
    chunk = 2_000  # a long page is read only as far as the excerpt needs
    for start in range(0, len(body_html), chunk):
        parser.feed(body_html[start : start + chunk])
        if sum(map(len, parser.words())) > limit + 1:
            break
    parser.close()
    shown, total, cut = [], 0, False
    for words in parser.words():
        if total + len(words) > limit:
            words, cut = words[: limit - total], True
        shown.append(" ".join(words))
        total += len(words)
        if cut:
            break
    return " · ".join(p for p in shown if p) + ("…" if cut else "")
