"""Word-level differences between two texts, for the revision diff page.

Lines are matched first (so a moved paragraph stays readable), then the words
inside changed lines, so a one-word fix shows as one word, not a whole line."""

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

TOKEN = re.compile(r"\s+|\w+|[^\w\s]")


@dataclass(frozen=True)
class Chunk:
    op: str  # "equal", "insert" or "delete"
    text: str


def _merge(chunks: list[Chunk]) -> list[Chunk]:
    merged: list[Chunk] = []
    for chunk in chunks:
        if not chunk.text:
            continue
        if merged and merged[-1].op == chunk.op:
            merged[-1] = Chunk(chunk.op, merged[-1].text + chunk.text)
        else:
            merged.append(chunk)
    return merged


def _word_diff(old: str, new: str) -> list[Chunk]:
    a, b = TOKEN.findall(old), TOKEN.findall(new)
    chunks = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            chunks.append(Chunk("equal", "".join(a[i1:i2])))
        else:
            chunks.append(Chunk("delete", "".join(a[i1:i2])))
            chunks.append(Chunk("insert", "".join(b[j1:j2])))
    return chunks


def diff_words(old: str, new: str) -> list[Chunk]:
    """The changes that turn `old` into `new`, as equal/insert/delete chunks."""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    chunks: list[Chunk] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        before, after = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "equal":
            chunks.append(Chunk("equal", before))
        elif op == "replace":
            chunks.extend(_word_diff(before, after))
        else:
            chunks.append(Chunk("delete", before))
            chunks.append(Chunk("insert", after))
    return _merge(chunks)


def apply_chunks(chunks: list[Chunk]) -> tuple[str, str]:
    """The two texts a diff was made from (old, new): what a diff must preserve."""
    old = "".join(c.text for c in chunks if c.op != "insert")
    new = "".join(c.text for c in chunks if c.op != "delete")
    return old, new


def diff_stats(chunks: list[Chunk]) -> dict[str, int]:
    """Words added and removed, for the summary line above a diff."""

    def words(op: str) -> int:
        return sum(len(re.findall(r"\w+", c.text)) for c in chunks if c.op == op)

    return {"added": words("insert"), "removed": words("delete")}
