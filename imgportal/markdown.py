"""Markdown to safe HTML, for anything members or staff write (newsletters, the
handbook): rendered with Python-Markdown, then sanitised with nh3 so no script,
style, event handler or javascript: URL survives."""

import html
import re
from dataclasses import dataclass

import markdown as md
import nh3
from django.utils.text import slugify

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


def render_markdown(text: str) -> str:
    """Safe HTML for `text` written in Markdown."""
    html = md.markdown(text, extensions=["extra", "sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
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


def _heading_slug(value: str, separator: str) -> str:
    return HEADING_ID_PREFIX + (slugify(value) or "part")


def _only_heading_ids(element: str, attribute: str, value: str) -> str | None:
    if attribute == "id" and not value.startswith(HEADING_ID_PREFIX):
        return None
    return value


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


def render_document(
    text: str, pages: dict[str, tuple[str, str]] | None = None
) -> RenderedDocument:
    """Safe HTML for a long Markdown document, with heading anchors, a table of
    contents, the plain text for search, and internal `[[chapter/page]]` links."""
    text, missing = resolve_wiki_links(text, pages or {})
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
        attribute_filter=_only_heading_ids,
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
    )
