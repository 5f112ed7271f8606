"""The warning for a list that Markdown would read as part of the paragraph above."""

import markdown
from hypothesis import given
from hypothesis import strategies as st

from handbook.demo_content import CHAPTERS
from handbook.rules import lists_without_blank_line


def _lines(text):
    return [(w.line, w.text) for w in lists_without_blank_line(text)]


def test_a_list_straight_after_a_sentence_is_named_by_its_first_line():
    text = "Landlords check credit. What works:\n- a letter\n- a deposit\n"
    assert _lines(text) == [(2, "- a letter")]


def test_numbered_and_starred_lists_are_caught_too():
    assert _lines("Steps:\n1. Apply\n2. Wait") == [(2, "1. Apply")]
    assert _lines("Bring:\n* passport") == [(2, "* passport")]


def test_a_blank_line_a_heading_or_a_list_before_it_is_fine():
    assert _lines("What works:\n\n- a letter\n- a deposit") == []
    assert _lines("## What to bring\n- passport\n- I-94") == []
    assert _lines("- one\n  more of one\n- two") == []
    assert _lines("- a list from the first line") == []


def test_code_blocks_and_rules_are_not_lists():
    assert _lines("Run:\n```\nls\n- not a list\n```") == []
    assert _lines("Some text\n---\nmore") == []


def test_every_list_swallowed_is_named_once():
    text = "First:\n- a\n- b\n\nSecond:\n- c"
    assert _lines(text) == [(2, "- a"), (6, "- c")]


def test_no_demo_page_has_a_list_that_runs_into_its_paragraph():
    """The starter handbook renders every list as a list (issue #22: "Finding a
    flat from abroad" showed one as a paragraph)."""
    flagged = {
        page["title"]: lists_without_blank_line(page["body"])
        for chapter in CHAPTERS
        for page in chapter["pages"]
    }
    assert {title: found for title, found in flagged.items() if found} == {}


def test_the_flat_page_now_renders_its_list_as_a_list():
    page = next(
        p for c in CHAPTERS for p in c["pages"] if p["title"].startswith("Finding")
    )
    html = markdown.markdown(page["body"], extensions=["extra", "sane_lists"])
    assert "<li>a letter from the GME office" in html


words = st.text(alphabet="abcdefgh ", min_size=1, max_size=12).filter(str.strip)
item = st.sampled_from(["- ", "* ", "1. ", "+ "]).flatmap(
    lambda marker: words.map(lambda w: marker + w.strip())
)
line = st.one_of(words.map(str.strip), item, st.just(""), st.just("## Heading"))


@given(st.lists(line, max_size=20))
def test_a_warning_always_names_a_line_that_starts_a_list(lines):
    text = "\n".join(lines)
    for warning in lists_without_blank_line(text):
        assert lines[warning.line - 1].strip().startswith(("-", "*", "+", "1."))
        assert lines[warning.line - 2].strip()  # the line above was not blank


@given(st.lists(line, max_size=20))
def test_a_blank_line_before_every_list_item_silences_the_warning(lines):
    spaced = []
    for text in lines:
        if text.startswith(("- ", "* ", "1. ", "+ ")):
            spaced.append("")
        spaced.append(text)
    assert lists_without_blank_line("\n".join(spaced)) == []


@given(st.lists(line, max_size=20))
def test_a_warned_list_is_indeed_read_as_a_paragraph(lines):
    """Where the warning fires, Python-Markdown makes no list of that line."""
    text = "\n".join(lines)
    for warning in lists_without_blank_line(text):
        html = markdown.markdown(text, extensions=["extra", "sane_lists"])
        content = lines[warning.line - 1].split(" ", 1)[1].strip()
        assert f"<li>{content}</li>" not in html or html.count(content) > 1
