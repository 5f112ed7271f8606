"""Markdown to safe HTML, for anything members or staff write (newsletters, the
handbook): rendered with Python-Markdown, then sanitised with nh3 so no script,
style, event handler or javascript: URL survives.

Images: on pages only from the portal's own origin (a relative path or
SITE_URL); a remote one keeps its alt text and loses its address, so no third
party learns who read what. Emails carry no images at all (`without_images`):
a picture in a newsletter to a visa segment is a tracking pixel even when it is
ours.

Python-Markdown re-scans the rest of a paragraph for every "[", "<http" or
setext underline it tries, so a crafted text of 100,000 characters takes
minutes (or recurses too deep). Every render of more than a short text runs
in a forked child with a CPU limit (`RENDER_CPU_SECONDS`): past it, the text
is shown as plain paragraphs (`too_complex`) and forms refuse it beside the
field (`validate_markdown`, `validate_document`), so one member's suggestion
cannot hold a worker, and no stored text makes a page answer 500."""

import contextlib
import html
import logging
import os
import pickle
import re
import resource
import select
import signal
import threading
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

import markdown as md
import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
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


logger = logging.getLogger(__name__)

# A 100,000-character handbook page of ordinary Markdown renders in 0.1 s.
RENDER_CPU_SECONDS = 2
# A child waiting for the CPU on a busy machine; a form's check and the save
# that follows stay within gunicorn's 30-second timeout.
RENDER_WALL_SECONDS = 10
# Below this, even the worst text renders in well under a second: no fork.
SHORT_TEXT = 1_000
TOO_COMPLEX = (
    "This text is too complex to lay out (for example, thousands of nested or "
    "unclosed brackets). Simplify it and try again: nothing has been saved."
)


class TooComplex(Exception):
    """The text could not be rendered within the limits."""


def _bounded(function, text: str, *args):
    """`function(text, *args)`, in a forked child limited to
    RENDER_CPU_SECONDS of CPU; the result comes back pickled through a pipe.
    The child touches no database connection or file the parent holds and
    leaves with os._exit, so nothing of the parent's is closed or flushed."""
    if len(text) < SHORT_TEXT:
        try:
            return function(text, *args)
        except RecursionError as error:
            raise TooComplex from error
    try:
        with _FORKING:  # no other thread's child inherits this pipe's write end
            read, write = os.pipe()
            try:
                pid = os.fork()
            except OSError:
                os.close(read)
                os.close(write)
                raise
            if pid == 0:  # pragma: no cover (the child; its result is tested)
                _child(write, read, function, text, args)
            os.close(write)
    except OSError as error:  # no fork or pipe (EAGAIN, ENOMEM, EMFILE)
        logger.warning("Markdown not rendered: cannot fork (%s)", error)
        raise TooComplex from error
    chunks, finished = [], False
    deadline = time.monotonic() + RENDER_WALL_SECONDS
    try:
        waiting = select.poll()  # not select(): a busy process may hold fds > 1024
        waiting.register(read, select.POLLIN)
        while (left := deadline - time.monotonic()) > 0:
            if not waiting.poll(left * 1000):
                break
            chunk = os.read(read, 1 << 16)
            if not chunk:
                finished = True
                break
            chunks.append(chunk)
    finally:
        os.close(read)
        code = _reap(pid, kill=not finished, finished=finished)
    if not finished or code != 0 or not chunks:
        logger.warning(
            "Markdown of %d characters not rendered (exit %s)", len(text), code
        )
        raise TooComplex
    try:
        return pickle.loads(b"".join(chunks))  # noqa: S301 (our own child wrote it)
    except (pickle.UnpicklingError, EOFError, ValueError) as error:
        raise TooComplex from error  # cut short: the child died writing it


_FORKING = threading.Lock()


def _child(write: int, read: int, function, text: str, args) -> None:
    """In the forked child: render under the CPU limit, write, leave."""
    status = 1
    try:
        os.close(read)
        limit = RENDER_CPU_SECONDS
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard - 1)
        resource.setrlimit(resource.RLIMIT_CPU, (limit, limit + 1))
        payload = pickle.dumps(function(text, *args))
        with os.fdopen(write, "wb") as pipe:
            pipe.write(payload)
        status = 0
    finally:
        os._exit(status)


def _reap(pid: int, *, kill: bool, finished: bool) -> int:
    """The child's exit code, after killing it if it is still working."""
    if kill:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    try:
        return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    except ChildProcessError:  # reaped by a SIGCHLD handler (a Celery pool)
        return 0 if finished else -signal.SIGKILL


def plain_paragraphs(text: str) -> str:
    """The text as escaped paragraphs, for what could not be rendered."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "".join(
        f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs if p
    )


def render_markdown(text: str) -> str:
    """Safe HTML for `text` written in Markdown (plain paragraphs if it is too
    complex to render)."""
    try:
        return _bounded(_render_markdown, text)
    except TooComplex:
        return plain_paragraphs(text)


def validate_markdown(text: str) -> None:
    """For a form's clean: refuse a text too complex to render."""
    try:
        _bounded(_render_markdown, text)
    except TooComplex:
        raise ValidationError(TOO_COMPLEX, code="too_complex") from None


def _render_markdown(text: str) -> str:
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
    # Shown as plain paragraphs: the Markdown was too complex to render.
    too_complex: bool = False


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
    """`_render_document`, or the text as plain paragraphs (`too_complex`)
    when it cannot be rendered within the limits."""
    try:
        return _bounded(_render_document, text, pages, images)
    except TooComplex:
        return plain_document(text)


def plain_document(text: str) -> RenderedDocument:
    """A text too complex to render, as escaped paragraphs (`too_complex`)."""
    return RenderedDocument(
        html=plain_paragraphs(text),
        toc=[],
        headings_text="",
        plain_text=" ".join(text.split()),
        missing_links=[],
        too_complex=True,
    )


def validate_document(text: str) -> None:
    """For a form's clean: refuse a long document too complex to render."""
    if render_document(text).too_complex:
        raise ValidationError(TOO_COMPLEX, code="too_complex")


def _render_document(
    text: str,
    pages: dict[str, tuple[str, str]] | None,
    images: re.Pattern | None,
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
