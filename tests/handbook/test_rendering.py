"""The handbook's Markdown: headings with anchors, a table of contents, internal
links, and nothing a page writes can run script."""

import re
from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imgportal.markdown import ALLOWED_TAGS, render_document

PAGES = {
    "housing/finding-a-flat": ("/handbook/housing/finding-a-flat/", "Finding a flat")
}

ATTACKS = [
    "<script>alert(1)</script>",
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<img src=x onerror=alert(1)>",
    '<iframe src="https://evil.example"></iframe>',
    "<svg onload=alert(1)>",
    '<h2 id="content">clobber</h2>',
    "[x](JaVaScRiPt:alert(1))",
    "<style>body{display:none}</style>",
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
]
SAFE_URL = re.compile(r"^(https?://|mailto:|/|#|[^:]*$)", re.IGNORECASE)


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))


def can_run_script(html: str) -> bool:
    """What a browser would run: a tag outside the allowed set, an event-handler
    attribute, or a link or image whose address is not http(s), mailto or local."""
    parser = _Elements()
    parser.feed(html)
    for tag, attrs in parser.elements:
        if tag not in ALLOWED_TAGS:
            return True
        for name, value in attrs:
            if name.startswith("on") or name in ("style", "srcdoc", "formaction"):
                return True
            if name in ("href", "src") and not SAFE_URL.match((value or "").strip()):
                return True
    return False


def test_headings_get_anchors_and_a_table_of_contents():
    document = render_document("Intro\n\n# Visa steps\n\n## At the consulate\n\ntext")
    assert '<h2 id="section-visa-steps">' in document.html
    assert 'href="#section-visa-steps"' in document.html
    assert [(t["level"], t["text"]) for t in document.toc] == [
        (2, "Visa steps"),
        (3, "At the consulate"),
    ]
    assert "<h1" not in document.html  # the page title is the page's one <h1>


def test_internal_links_point_to_pages_and_unknown_ones_are_reported():
    document = render_document(
        "See [[housing/finding-a-flat]] and [[housing/finding-a-flat|the flat page]] "
        "and [[travel/nowhere]].",
        PAGES,
    )
    assert '<a href="/handbook/housing/finding-a-flat/"' in document.html
    assert ">Finding a flat</a>" in document.html
    assert ">the flat page</a>" in document.html
    assert document.missing_links == ["travel/nowhere"]
    assert "travel/nowhere" in document.plain_text


def test_known_attacks_are_made_harmless():
    for attack in ATTACKS:
        html = render_document(f"Text\n\n{attack}\n\nmore").html
        assert not can_run_script(html), (attack, html)
        assert 'id="content"' not in html
        assert "<script" not in html and "<iframe" not in html


def test_plain_text_for_search_has_no_markup_or_anchor_marks():
    document = render_document("## Travel signature\n\nValid **one year** & 1 < 2.")
    assert document.plain_text == "Travel signature Valid one year & 1 < 2."
    assert document.headings_text == "Travel signature"


# Markdown and HTML fragments an attacker would combine.
markdownish = st.lists(
    st.sampled_from(
        [
            *"abc <>/=\"'()[]#*_-:!&;\n\t",
            "script",
            "javascript",
            "onerror",
            "iframe",
            "href",
            "src",
            "img",
            "svg",
            "[[",
            "]]",
            "|",
            "data:",
            "<!--",
            "-->",
            "`",
            "```",
            "&#x6a;",
            "\\",
        ]
    ),
    max_size=120,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(text=markdownish)
def test_no_markdown_renders_to_something_that_runs_script(text):
    document = render_document(text, PAGES)
    assert not can_run_script(document.html), document.html


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=500))
def test_any_unicode_renders_without_error(text):
    document = render_document(text, PAGES)
    assert not can_run_script(document.html)
