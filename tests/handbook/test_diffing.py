"""The revision diff: changed words, not whole paragraphs."""

from hypothesis import given, settings
from hypothesis import strategies as st

from handbook.diffing import apply_chunks, diff_stats, diff_words


def test_a_changed_number_shows_as_that_word_only():
    chunks = diff_words("The wait is 30 days.\n", "The wait is 45 days.\n")
    assert [(c.op, c.text) for c in chunks if c.op != "equal"] == [
        ("delete", "30"),
        ("insert", "45"),
    ]
    assert diff_stats(chunks) == {"added": 1, "removed": 1}


def test_an_added_paragraph_is_one_insertion():
    old = "Intro.\n\nEnd.\n"
    new = "Intro.\n\nNew advice here.\n\nEnd.\n"
    inserted = [c.text for c in diff_words(old, new) if c.op == "insert"]
    assert "".join(inserted).strip() == "New advice here."
    assert not [c for c in diff_words(old, new) if c.op == "delete"]


def test_identical_texts_have_no_changes():
    chunks = diff_words("Same text.\n", "Same text.\n")
    assert diff_stats(chunks) == {"added": 0, "removed": 0}


@settings(max_examples=300, deadline=None)
@given(
    old=st.text(alphabet="ab \n.,", max_size=80),
    new=st.text(alphabet="ab \n.,", max_size=80),
)
def test_a_diff_holds_exactly_both_texts(old, new):
    assert apply_chunks(diff_words(old, new)) == (old, new)
