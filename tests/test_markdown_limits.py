"""Markdown a member or staff writes cannot hold a worker: Python-Markdown takes
minutes over some 100,000-character texts (thousands of nested brackets, "<http"
without an end, setext underlines) and recurses past Python's limit over deep
lists. Each render runs in a forked child with a CPU limit; past it the text
shows as plain escaped paragraphs, and the forms refuse it beside the field
with everything typed kept."""

import time

import pytest
from django.urls import reverse

from imgportal import markdown
from imgportal.markdown import (
    TOO_COMPLEX,
    _render_document,
    _render_markdown,
    render_document,
    render_markdown,
)
from tests.conftest import client_for, page_text
from tests.factories import published_page

NESTED = "[" * 50_000 + "]" * 50_000
CRAFTED = {
    "nested brackets": NESTED,
    "unclosed links": "[a](" * 25_000,
    "unclosed autolinks": "<http://a" * 11_000,
    "setext underlines": "a\n=\n" * 25_000,
    "deep lists": "- " * 5_000 + "x",  # RecursionError
}
ORDINARY = (
    "## Finding a flat\n\nRead [the guide](https://example.org/guide) and "
    "[[housing/deposits]]. ![Map](/handbook/files/3/map.png)\n\n"
    "- one\n- two with `code [x]`\n\n| a | b |\n|---|---|\n| 1 | [2](/x/) |\n\n"
)


@pytest.fixture
def quick(monkeypatch):
    """One second of CPU, so each refusal costs the suite a second."""
    monkeypatch.setattr(markdown, "RENDER_CPU_SECONDS", 1)


@pytest.mark.parametrize("name", CRAFTED)
def test_a_crafted_text_comes_back_as_plain_paragraphs_within_the_limit(name, quick):
    text = CRAFTED[name]
    started = time.monotonic()
    document = render_document(text)
    assert time.monotonic() - started < markdown.RENDER_WALL_SECONDS
    assert document.too_complex
    assert document.toc == []
    assert document.html.startswith("<p>")
    assert "<a " not in document.html and "<li>" not in document.html


def test_the_plain_paragraphs_are_escaped(quick):
    text = "<script>alert(1)</script>\n\n" + NESTED
    html = render_markdown(text)
    assert html.startswith("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p><p>[[[")
    assert "<script" not in html


def test_ordinary_long_text_renders_exactly_as_without_the_limit():
    text = ORDINARY * 400  # about 80,000 characters: through the child
    assert len(text) > markdown.SHORT_TEXT
    pattern = markdown.re.compile(r"/handbook/files/\d+/[^/]+")
    pages = {"housing/deposits": ("/handbook/housing/deposits/", "Deposits")}
    document = render_document(text, pages, images=pattern)
    assert not document.too_complex
    assert document == _render_document(text, pages, pattern)
    assert '<a href="https://example.org/guide" rel="noopener noreferrer">' in (
        document.html
    )
    assert '<img alt="Map" src="/handbook/files/3/map.png">' in document.html
    assert '<a href="/handbook/housing/deposits/"' in document.html
    assert "<code>code [x]</code>" in document.html
    assert render_markdown(text) == _render_markdown(text)


def test_a_short_text_is_rendered_in_the_process_itself(monkeypatch):
    monkeypatch.setattr(markdown.os, "fork", None)  # would raise if called
    assert render_markdown("[a](https://example.org/)") == (
        '<p><a href="https://example.org/" rel="noopener noreferrer">a</a></p>'
    )


def test_a_short_text_too_deep_for_python_is_plain_too(monkeypatch):
    def too_deep(*arguments):
        raise RecursionError

    monkeypatch.setattr(markdown, "_render_document", too_deep)
    document = render_document("- - - x")
    assert document.too_complex
    assert document.html == "<p>- - - x</p>"


@pytest.mark.django_db
def test_a_suggestion_too_complex_is_refused_beside_the_field_and_kept(
    resident, co_lead, quick, monkeypatch
):
    page = published_page(by=co_lead.user)
    url = reverse("handbook:page_suggest", args=[page.chapter.slug, page.slug])
    text = "My advice about deposits. " + "[" * 20_000 + "]" * 20_000
    forks = []
    real_fork = markdown.os.fork
    monkeypatch.setattr(markdown.os, "fork", lambda: forks.append(1) or real_fork())
    response = client_for(resident).post(
        url, {"title": page.title, "body": text, "summary": "Deposits"}
    )
    assert response.status_code == 200
    assert len(forks) == 1  # refused once; the page's preview does not retry it
    assert TOO_COMPLEX in page_text(response)
    assert response.context["form"]["body"].value() == text
    assert not page.revisions.filter(is_suggestion=True).exists()


@pytest.mark.django_db
def test_the_preview_of_a_text_too_complex_says_so(handbook_editor, quick):
    response = client_for(handbook_editor).post(
        reverse("handbook:preview"), {"body": NESTED}
    )
    assert response.status_code == 200
    assert "This text is too complex to lay out" in page_text(response)


@pytest.mark.django_db
def test_an_event_description_and_a_newsletter_too_complex_are_field_errors(
    co_lead, quick
):
    from tests.events.test_organising import _form

    client = client_for(co_lead)
    response = client.post(reverse("events:create"), _form(description=NESTED))
    assert response.status_code == 200
    assert response.context["form"].errors["description"] == [TOO_COMPLEX]
    response = client.post(
        reverse("newsletters:create"), {"subject": "July news", "body": NESTED}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["body"] == [TOO_COMPLEX]


def test_no_fork_possible_is_plain_text_not_a_500_and_leaks_no_descriptor(
    monkeypatch,
):
    import os

    def refused():
        raise BlockingIOError(11, "Resource temporarily unavailable")

    before = len(os.listdir("/proc/self/fd"))
    monkeypatch.setattr(markdown.os, "fork", refused)
    document = render_document(ORDINARY * 20)
    assert document.too_complex
    assert len(os.listdir("/proc/self/fd")) == before


def _children() -> set[int]:
    """This process's children, zombies included (from /proc)."""
    import os
    from pathlib import Path

    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[1]) == os.getpid():
            found.add(int(stat.parent.name))
    return found


def test_each_child_is_reaped(quick):
    before = _children()
    render_document(ORDINARY * 20)
    render_document(NESTED)  # killed at the CPU limit
    assert _children() <= before  # none left behind, not even a zombie
