"""The handbook bundle format (issue 18): one group's handbook as a zip another
group starts from. Reading and writing the files only, no database: what goes
in, and every reason a bundle is refused (`handbook/bundles.py` plans and
imports; page files and the CSV are `bundle_files.py`; the commands are
`handbook_export` and `handbook_import`).

Format 1, every path inside the zip's own folder:

    bundle.json                 {"format": "imgportal-handbook", "version": 1,
                                 "exported_at", "exported_from", "chapters": [...]}
    pages/<chapter>/<page>.md   front matter between two `---` lines, then Markdown
    visa_wait_times.csv         the consulate wait-time table, header row first
    README.txt                  what the bundle is (ignored on import)

Nothing in a bundle is trusted. Files are read from the zip into memory, never
extracted, and a bundle is refused (naming the file and the reason) for: a path
that is absolute, climbs out with `..` or uses `\\`; a symbolic link; an
encrypted or unreadable member; a file over 5 MB or a bundle over 50 MB
uncompressed (the sizes the zip declares, and reading stops past the limit, so a
zip bomb is refused too); text that is not UTF-8; broken front matter (the line
and field); a bad manifest or CSV row. Every file is checked before anything is
refused, so one run lists everything to fix."""

import json
import os
import re
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from handbook import rules
from handbook.bundle_files import (
    PageData,
    TimelineData,
    check_field,
    parse_page,
    parse_timelines,
)
from handbook.models import Chapter

FORMAT = "imgportal-handbook"
VERSION = 1
MANIFEST = "bundle.json"
TIMELINES_CSV = "visa_wait_times.csv"
README = "README.txt"
PAGES = "pages"
MB = 1024 * 1024
MAX_FILE_BYTES = 5 * MB
MAX_TOTAL_BYTES = 50 * MB
MAX_FILES = 5000
CHAPTER_KEYS = ("slug", "title", "order", "intro", "visa_chapter")
# Written by macOS's "Compress": never part of a bundle, so passed over.
IGNORED = re.compile(r"(^|/)(__MACOSX/.*|\.DS_Store)$")

README_TEXT = """\
A handbook bundle from IMG Portal (format 1).

bundle.json lists the chapters; pages/<chapter>/<page>.md holds each page's
published text after its front matter (title, chapter, order, review interval,
the date it was last verified); visa_wait_times.csv holds the consulate
wait-time table.

To start another group's handbook from it:

    python manage.py handbook_import this.zip                 (a preview)
    python manage.py handbook_import this.zip --apply --as EMAIL

Pages arrive as drafts for that group's editors to review.
"""


class BundleRefused(Exception):
    """Why a bundle was refused: (file, reason) pairs, nothing written."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(f"{name}: {reason}" for name, reason in problems))
        self.problems = problems


@dataclass(frozen=True)
class ChapterData:
    slug: str
    title: str
    order: int
    intro: str
    visa_chapter: bool


@dataclass
class Bundle:
    name: str
    exported_at: str = ""
    exported_from: str = ""
    chapters: list[ChapterData] = field(default_factory=list)
    pages: list[PageData] = field(default_factory=list)
    timelines: list[TimelineData] = field(default_factory=list)

    @property
    def exported_on(self) -> date | None:
        try:
            return date.fromisoformat(self.exported_at[:10])
        except ValueError:
            return None


def _size(count: int) -> str:
    return f"{count / MB:.1f} MB" if count >= MB / 10 else f"{count:,} bytes"


# --- Reading -----------------------------------------------------------------


def bundle_read(path: str | Path) -> Bundle:
    """Every file of the bundle at `path`, checked (BundleRefused if any is bad)."""
    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise BundleRefused([(name, "there is no such file")])
    size = path.stat().st_size
    if size > MAX_TOTAL_BYTES:
        raise BundleRefused(
            [
                (
                    name,
                    f"is {_size(size)}: a bundle may be at most "
                    f"{_size(MAX_TOTAL_BYTES)}",
                )
            ]
        )
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise BundleRefused(
            [(name, "is not a zip file (a bundle is the .zip handbook_export writes)")]
        ) from None
    except (OSError, EOFError, ValueError, struct.error, NotImplementedError) as error:
        raise BundleRefused([(name, f"can't be opened as a zip ({error})")]) from None
    with archive:
        return _read_archive(archive, name)


def _read_archive(archive: zipfile.ZipFile, name: str) -> Bundle:
    infos = archive.infolist()
    if len(infos) > MAX_FILES:
        raise BundleRefused(
            [(name, f"holds {len(infos):,} files: a bundle may hold {MAX_FILES:,}")]
        )
    problems: list[tuple[str, str]] = []
    files: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in infos:
        member = info.orig_filename
        reason = _unsafe(info)
        if reason:
            problems.append((member, reason))
            continue
        if info.is_dir() or IGNORED.search(member):
            continue
        if member in files:
            problems.append((member, "is in the zip twice"))
            continue
        if info.file_size > MAX_FILE_BYTES:
            problems.append(
                (
                    member,
                    f"is {_size(info.file_size)} uncompressed: a file in a bundle "
                    f"may be at most {_size(MAX_FILE_BYTES)}",
                )
            )
            continue
        total += info.file_size
        files[member] = info
    if total > MAX_TOTAL_BYTES:
        problems.append(
            (
                name,
                f"unpacks to {_size(total)}: a bundle may unpack to at most "
                f"{_size(MAX_TOTAL_BYTES)}",
            )
        )
    if problems:
        raise BundleRefused(problems)
    root = _root(files, name)
    texts = {}
    for member, info in files.items():
        text = _read_text(archive, info, problems)
        if text is not None:
            texts[member.removeprefix(root)] = text
    if problems:
        raise BundleRefused(problems)
    return _parse(name, texts, root)


def _unsafe(info: zipfile.ZipInfo) -> str | None:
    """Why a zip member can't be in a bundle, or None."""
    member = info.orig_filename
    if "\x00" in member:
        return "has a NUL character in its name"
    if "\\" in member:
        return "uses '\\' in its path: a path outside the bundle's folder on Windows"
    if member.startswith("/") or re.match(r"^[A-Za-z]:", member):
        return "is an absolute path: every file must be inside the bundle's folder"
    parts = member.rstrip("/").split("/")
    if ".." in parts:
        return "climbs out of the bundle's folder ('..' in its path)"
    if any(part in ("", ".") for part in parts):
        return "has an empty or '.' part in its path"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "is a symbolic link: a bundle holds plain files only"
    if info.flag_bits & 0x1:
        return "is encrypted: a bundle is not"
    return None


def _root(files: dict[str, zipfile.ZipInfo], name: str) -> str:
    """'' when bundle.json is at the top, or 'folder/' when the whole bundle is
    one folder (what zipping the unpacked folder again gives)."""
    if MANIFEST in files:
        return ""
    tops = {member.split("/", 1)[0] for member in files}
    if len(tops) == 1 and f"{next(iter(tops))}/{MANIFEST}" in files:
        return f"{next(iter(tops))}/"
    raise BundleRefused(
        [(name, f"has no {MANIFEST}: is it a bundle made by handbook_export?")]
    )


def _read_text(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, problems: list
) -> str | None:
    member = info.orig_filename
    try:
        with archive.open(info) as stream:
            # Never past the limit, whatever size the zip declared.
            data = stream.read(MAX_FILE_BYTES + 1)
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        OSError,
        NotImplementedError,
        RuntimeError,
        ValueError,
    ) as error:
        problems.append((member, f"can't be read: the zip is damaged ({error})"))
        return None
    if len(data) > MAX_FILE_BYTES:
        problems.append(
            (member, f"is over {_size(MAX_FILE_BYTES)}: the most a bundle file may be")
        )
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        problems.append((member, f"is not UTF-8 text (byte {error.start:,})"))
        return None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        problems.append(
            (member, f"line {line}: has a NUL character, which text never holds")
        )
        return None
    return text.removeprefix("\ufeff")


def _parse(name: str, texts: dict[str, str], root: str) -> Bundle:
    problems: list[tuple[str, str]] = []
    bundle = Bundle(name=name)
    _parse_manifest(bundle, texts.pop(MANIFEST), root + MANIFEST, problems)
    texts.pop(README, None)
    if TIMELINES_CSV in texts:
        bundle.timelines = parse_timelines(
            texts.pop(TIMELINES_CSV), root + TIMELINES_CSV, problems
        )
    chapters = {chapter.slug for chapter in bundle.chapters}
    for relative, text in sorted(texts.items()):
        shown = root + relative
        parts = relative.split("/")
        if len(parts) != 3 or parts[0] != PAGES or not parts[2].endswith(".md"):
            problems.append(
                (
                    shown,
                    f"is not part of a handbook bundle (it holds {MANIFEST}, "
                    f"{TIMELINES_CSV} and {PAGES}/<chapter>/<page>.md)",
                )
            )
            continue
        page = parse_page(shown, parts[1], parts[2].removesuffix(".md"), text)
        if isinstance(page, str):
            problems.append((shown, page))
        elif page.chapter not in chapters:
            problems.append(
                (shown, f"its chapter {page.chapter!r} is not listed in {MANIFEST}")
            )
        else:
            bundle.pages.append(page)
    if problems:
        raise BundleRefused(problems)
    place = {slug: n for n, slug in enumerate(c.slug for c in bundle.chapters)}
    bundle.pages.sort(key=lambda p: (place[p.chapter], p.order, p.slug))
    return bundle


# --- bundle.json ---------------------------------------------------------------


def _parse_manifest(bundle: Bundle, text: str, shown: str, problems: list) -> None:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        problems.append((shown, f"line {error.lineno}: not valid JSON ({error.msg})"))
        return
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        problems.append(
            (shown, f'is not a handbook bundle\'s (it needs "format": "{FORMAT}")')
        )
        return
    version = data.get("version")
    if version != VERSION:
        newer = isinstance(version, int) and version > VERSION
        problems.append(
            (
                shown,
                f"format version {version} is newer than this portal reads "
                f"({VERSION}): update the portal first"
                if newer
                else f'"version" must be {VERSION}, not {version!r}',
            )
        )
        return
    bundle.exported_at = str(data.get("exported_at", ""))[:40]
    bundle.exported_from = str(data.get("exported_from", ""))[:200]
    chapters = data.get("chapters")
    if not isinstance(chapters, list):
        problems.append((shown, '"chapters" must be a list of chapters'))
        return
    seen = set()
    for number, raw in enumerate(chapters, start=1):
        chapter = _parse_chapter(raw)
        label = f"{shown} chapter {number}"
        if isinstance(chapter, str):
            problems.append((label, chapter))
        elif chapter.slug in seen:
            problems.append((label, f"the chapter {chapter.slug!r} is listed twice"))
        else:
            seen.add(chapter.slug)
            bundle.chapters.append(chapter)


def _parse_chapter(raw) -> ChapterData | str:
    """A chapter of the manifest, or what is wrong with it."""
    if not isinstance(raw, dict):
        return "must be an object with slug, title and order"
    if unknown := sorted(set(raw) - set(CHAPTER_KEYS)):
        return f"unknown field {unknown[0]!r} (known: {', '.join(CHAPTER_KEYS)})"
    raw = {"intro": "", "visa_chapter": False, **raw}
    for key in ("slug", "title"):
        if isinstance(raw.get(key), str):
            raw[key] = raw[key].strip()
    wrong = []
    for key, kind in (
        ("slug", str),
        ("title", str),
        ("order", int),
        ("intro", str),
        ("visa_chapter", bool),
    ):
        value = raw.get(key)
        if value is None:
            wrong.append(f"{key}: missing")
        elif not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            wrong.append(f"{key}: must be {kind.__name__}, not {value!r:.40}")
    if not wrong:
        for key in ("slug", "title", "order", "intro"):
            check_field(Chapter, key, raw[key], key, wrong)
        if raw["slug"] in rules.RESERVED_SLUGS:
            wrong.append(f"slug: {raw['slug']!r} is an address the handbook uses")
    if wrong:
        return "; ".join(wrong)
    return ChapterData(
        slug=raw["slug"],
        title=raw["title"],
        order=raw["order"],
        intro=raw["intro"],
        visa_chapter=raw["visa_chapter"],
    )


def manifest_text(*, exported_at: datetime, exported_from: str, chapters) -> str:
    return (
        json.dumps(
            {
                "format": FORMAT,
                "version": VERSION,
                "exported_at": exported_at.isoformat(timespec="seconds"),
                "exported_from": exported_from,
                "chapters": [
                    {key: getattr(chapter, key) for key in CHAPTER_KEYS}
                    for chapter in chapters
                ],
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )


def refusal_text(
    bundle: str, problems: list[tuple[str, str]], *, most: int = 25
) -> str:
    """What the operator reads: each file with its reason, and that nothing changed."""
    lines = [f"Refused {bundle}: nothing was imported."]
    lines += [f"  {name}: {reason}" for name, reason in problems[:most]]
    if len(problems) > most:
        lines.append(f"  … and {len(problems) - most} more")
    return "\n".join(lines)


def zip_entry(name: str, when: datetime) -> zipfile.ZipInfo:
    """A plain file (mode 644), compressed, dated `when`."""
    info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (stat.S_IFREG | 0o644) << 16
    return info


def atomic_write(path: Path, write) -> None:
    """Write through a temporary file beside `path`, then rename: a failed export
    leaves no half-written bundle behind."""
    temporary = path.with_name(f".{path.name}.partial")
    try:
        with zipfile.ZipFile(temporary, "w") as archive:
            write(archive)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
