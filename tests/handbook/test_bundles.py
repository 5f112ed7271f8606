"""Handbook bundles (issue 18 item 4): a second group starts from the first one's
handbook. `handbook_export` writes a zip, `handbook_import` previews it and, with
--apply, brings it in as drafts for the new group's editors; a bad bundle is
refused with the file and the reason, and nothing is written."""

import io
import os
import stat
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from handbook import services
from handbook.models import (
    Chapter,
    Page,
    Revision,
    VisaTimeline,
    VisaTimelineChange,
)
from handbook.timelines import TIMELINE_FIELDS
from members.models import ActionLog, Role
from notifications.models import OutboundEmail
from tests.conftest import client_for, page_text
from tests.factories import MemberFactory, TimelineFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
FLAT = """Start looking six weeks before you arrive — in São Paulo or Chennai.

---

## Without a credit history

Offer a larger deposit; see [[travel-and-visa/travel-signature]].
"""
SIGNATURE_TITLE = '"D/S": what it means: a guide'
SIGNATURE = "Ask the GME office two weeks before you fly.\r\nNo newline at the end"


@pytest.fixture
def first_group(co_lead, handbook_editor):
    """The first group's handbook: two chapters, two published pages with their
    settings, one draft on top, one page never published, two wait-time rows."""
    housing = Chapter.objects.create(
        slug="housing", title="Housing", order=1, intro="Where to live."
    )
    travel = Chapter.objects.create(
        slug="travel-and-visa", title="Travel and visa", order=2, visa_chapter=True
    )
    flat = services.page_create(
        chapter=housing,
        title="Finding a flat",
        slug="finding-a-flat",
        body=FLAT,
        summary="First version",
        members_only=False,
        author=co_lead.user,
        publish=True,
    )
    services.page_settings_update(
        page=flat,
        by=co_lead.user,
        order=3,
        members_only=True,
        review_interval_months=24,
    )
    services.revision_save(
        page=flat,
        title="Finding a flat",
        body="Words nobody reviewed yet.",
        summary="Unreviewed",
        author=handbook_editor.user,
        base=services.head_revision(flat),
    )
    signature = services.page_create(
        chapter=travel,
        title=SIGNATURE_TITLE,
        slug="travel-signature",
        body=SIGNATURE,
        summary="First version",
        members_only=False,
        author=co_lead.user,
        publish=True,
    )
    Page.objects.filter(pk=signature.pk).update(last_reviewed_on=date(2026, 1, 15))
    services.page_create(
        chapter=housing,
        title="Half-written notes",
        slug="notes",
        body="Not ready.",
        summary="Start",
        members_only=False,
        author=handbook_editor.user,
    )
    TimelineFactory(
        country="IN",
        post="Mumbai",
        wait_days=45,
        processing_notes='=HYPERLINK("x"), "quoted", a comma\r\nand a second line',
        last_verified=date(2026, 3, 1),
        is_example=True,
    )
    TimelineFactory(
        country="NG",
        visa_type="H-1B",
        post="Lagos",
        wait_days=120,
        processing_notes="-2 days since 'May'",
        last_verified=date(2026, 4, 2),
    )


@pytest.fixture
def importer(db):
    """One of the second group's editors, who runs the import."""
    return MemberFactory(roles=[Role.RESIDENT, Role.HANDBOOK_EDITOR]).user


def export(path: Path) -> str:
    out = io.StringIO()
    call_command("handbook_export", str(path), stdout=out)
    return out.getvalue()


def run_import(path: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("handbook_import", str(path), *args, stdout=out)
    return out.getvalue()


def empty_handbook() -> None:
    """The second group's database: no handbook at all. (TRUNCATE, because the
    revision trigger refuses row deletes; it is rolled back with the test.)"""
    with connection.cursor() as cursor:
        # Django's foreign keys are checked at commit: check them now instead.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "TRUNCATE handbook_revision, handbook_page, handbook_chapter, "
            "handbook_watch, handbook_visatimelinechange, handbook_visatimeline, "
            "handbook_searchword CASCADE"
        )
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def handbook_as_readers_got_it() -> dict:
    """The first group's handbook as it goes in a bundle: published text."""
    return {
        page.wiki_key: (
            page.published_revision.title,
            page.published_revision.body,
            page.order,
            page.review_interval_months,
            page.last_reviewed_on,
            page.members_only,
        )
        for page in Page.objects.filter(published_revision__isnull=False)
    }


def handbook_as_drafted() -> dict:
    """The second group's handbook: each page's newest text (the draft)."""
    pages = {}
    for page in Page.objects.all():
        newest = services.head_revision(page)
        pages[page.wiki_key] = (
            newest.title,
            newest.body,
            page.order,
            page.review_interval_months,
            page.last_reviewed_on,
            page.members_only,
        )
    return pages


def chapters() -> list[tuple]:
    return sorted(
        Chapter.objects.values_list("slug", "title", "order", "intro", "visa_chapter")
    )


def timeline_rows() -> list[tuple]:
    return sorted(VisaTimeline.objects.values_list(*TIMELINE_FIELDS))


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Chapter,
            Page,
            Revision,
            VisaTimeline,
            VisaTimelineChange,
            ActionLog,
        )
    }


def csv_of(bundle: Path) -> bytes:
    with zipfile.ZipFile(bundle) as archive:
        return archive.read("visa_wait_times.csv")


def test_export_then_import_into_an_empty_handbook_gives_the_same_pages_as_drafts(
    first_group, importer, tmp_path
):
    """Round trip: the same chapters, pages (titles, Markdown to the byte, chapter,
    order, review interval, verified-on, members-only) and wait-time rows; each
    page a draft by the importer, nothing live and no email per draft."""
    bundle = tmp_path / "bundle.zip"
    said = export(bundle)
    assert "2 chapters, 2 pages, 2 visa wait-time rows" in said
    assert "Left out 1 pages never published" in said and "housing/notes" in said
    expected_pages = handbook_as_readers_got_it()
    expected_chapters, expected_rows = chapters(), timeline_rows()
    assert expected_pages["housing/finding-a-flat"][1] == FLAT  # not the draft

    empty_handbook()
    assert counts()["Page"] == 0
    emails_before = OutboundEmail.objects.count()
    said = run_import(bundle, "--apply", "--as", importer.email)

    assert handbook_as_drafted() == expected_pages
    assert chapters() == expected_chapters
    assert timeline_rows() == expected_rows
    for page in Page.objects.all():
        assert page.published_revision is None
        assert list(page.revisions.values_list("state", "author")) == [
            (Revision.State.DRAFT, importer.pk)
        ]
    assert "Imported from a handbook bundle (http://testserver" in (
        Revision.objects.first().summary
    )
    assert OutboundEmail.objects.count() == emails_before
    assert "2 drafts wait for review at http://testserver/handbook/reviews/" in said
    # The same table goes out again, cell for cell.
    again = tmp_path / "again.zip"
    export(again)
    assert csv_of(again) == csv_of(bundle)
    # Readers see nothing yet; the new group's editors find the drafts to review.
    flat = Page.objects.get(slug="finding-a-flat")
    assert client_for(importer).get(reverse("handbook:reviews")).status_code == 200
    reviews = page_text(client_for(importer).get(reverse("handbook:reviews")))
    assert "Finding a flat" in reviews and "D/S" in reviews
    assert ActionLog.objects.filter(
        target_id=flat.pk, verb="created", actor=importer
    ).exists()


def test_an_imported_draft_goes_live_when_another_editor_publishes_it(
    first_group, importer, handbook_editor, client, tmp_path
):
    bundle = tmp_path / "bundle.zip"
    export(bundle)
    empty_handbook()
    run_import(bundle, "--apply", "--as", importer.email)
    page = Page.objects.get(slug="travel-signature")
    assert client.get(page.get_absolute_url()).status_code == 404
    services.revision_publish(revision=page.revisions.get(), by=handbook_editor.user)
    response = client.get(page.get_absolute_url())
    assert response.status_code == 200
    assert "Ask the GME office" in page_text(response)
    page.refresh_from_db()
    assert page.last_reviewed_on == timezone.localdate()  # verified here, now


def test_the_preview_writes_nothing_and_says_what_would_be_created(
    first_group, tmp_path
):
    bundle = tmp_path / "bundle.zip"
    export(bundle)
    empty_handbook()
    before = counts()
    said = run_import(bundle)
    assert counts() == before
    assert "create     housing: Housing" in said
    assert "create     housing/finding-a-flat: Finding a flat (a draft)" in said
    assert "create     India (IN), J-1, Mumbai" in said
    assert "In all: 6 to create, 0 to update, 0 unchanged." in said
    assert "Preview only: nothing was written" in said


def test_importing_twice_updates_nothing_and_duplicates_nothing(
    first_group, importer, tmp_path
):
    bundle = tmp_path / "bundle.zip"
    export(bundle)
    empty_handbook()
    run_import(bundle, "--apply", "--as", importer.email)
    after_first = counts()
    said = run_import(bundle)
    assert "In all: 0 to create, 0 to update, 6 unchanged." in said
    assert "unchanged  housing/finding-a-flat: Finding a flat" in said
    said = run_import(bundle, "--apply", "--as", importer.email)
    assert counts() == after_first
    assert "In all: 6 unchanged." in said
    assert "0 drafts wait for review" in said


def rezip(source: Path, target: Path, *, replace=None, add=None, drop=()) -> Path:
    """A copy of a bundle with some files changed, added or left out."""
    replace, add = replace or {}, add or {}
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            if info.filename in drop:
                continue
            new.writestr(info, replace.get(info.filename, old.read(info)))
        for name, data in add.items():
            new.writestr(name, data)
    return target


def test_a_changed_page_arrives_as_a_draft_on_top_and_its_settings_change(
    first_group, importer, tmp_path
):
    bundle = tmp_path / "bundle.zip"
    export(bundle)
    empty_handbook()
    run_import(bundle, "--apply", "--as", importer.email)
    with zipfile.ZipFile(bundle) as archive:
        text = archive.read("pages/housing/finding-a-flat.md").decode()
    changed = text.replace("order: 3", "order: 1").replace("six weeks", "eight weeks")
    second = rezip(
        bundle,
        tmp_path / "second.zip",
        replace={"pages/housing/finding-a-flat.md": changed.encode()},
    )
    said = run_import(second)
    assert (
        "update     housing/finding-a-flat: Finding a flat "
        "(a draft of the new text; order 3 → 1)"
    ) in said
    run_import(second, "--apply", "--as", importer.email)
    page = Page.objects.get(slug="finding-a-flat")
    first, newest = page.revisions.order_by("number")
    assert Page.objects.filter(slug="finding-a-flat").count() == 1
    assert newest.body == FLAT.replace("six weeks", "eight weeks")
    assert newest.based_on == first and newest.state == Revision.State.DRAFT
    assert page.order == 1


def test_a_text_the_group_declined_is_not_offered_again(
    first_group, importer, handbook_editor, tmp_path
):
    bundle = tmp_path / "bundle.zip"
    export(bundle)
    empty_handbook()
    run_import(bundle, "--apply", "--as", importer.email)
    draft = Revision.objects.get(page__slug="travel-signature")
    services.revision_decline(revision=draft, by=handbook_editor.user, note="Not ours")
    said = run_import(bundle, "--apply", "--as", importer.email)
    assert "this text was declined here before: not offered" in said
    assert Revision.objects.filter(page__slug="travel-signature").count() == 1


def test_a_wait_time_verified_more_recently_here_is_kept(
    first_group, importer, tmp_path
):
    bundle = tmp_path / "bundle.zip"
    export(bundle)
    VisaTimeline.objects.filter(post="Mumbai").update(
        wait_days=30, last_verified=date(2026, 6, 1)
    )
    VisaTimeline.objects.filter(post="Lagos").update(
        wait_days=200, last_verified=date(2026, 1, 1)
    )
    said = run_import(bundle, "--apply", "--as", importer.email)
    assert "kept       India (IN), J-1, Mumbai (verified here more recently" in said
    assert "updated    Nigeria (NG), H-1B, Lagos (wait 200 → 120 days" in said
    assert VisaTimeline.objects.get(post="Mumbai").wait_days == 30
    assert VisaTimeline.objects.get(post="Lagos").wait_days == 120


def test_a_bundle_zipped_again_inside_its_folder_is_accepted(
    first_group, importer, tmp_path
):
    """Unzip, edit, zip the folder again (what Finder or Explorer does)."""
    bundle = tmp_path / "bundle.zip"
    export(bundle)
    folder = tmp_path / "folder.zip"
    with zipfile.ZipFile(bundle) as old, zipfile.ZipFile(folder, "w") as new:
        for info in old.infolist():
            new.writestr(f"handbook/{info.filename}", old.read(info))
        new.writestr("__MACOSX/handbook/._bundle.json", b"\x00\x05")
    empty_handbook()
    run_import(folder, "--apply", "--as", importer.email)
    assert Page.objects.count() == 2


# --- Refused bundles -----------------------------------------------------------


def _zip_with(path: Path, name: str, data: bytes = b"x", **attrs) -> None:
    with zipfile.ZipFile(path, "a") as archive:
        info = zipfile.ZipInfo(name)
        for key, value in attrs.items():
            setattr(info, key, value)
        archive.writestr(info, data)


def _front_matter_broken(
    bundle: Path,
    target: Path,
    old: str,
    new: str,
    name: str = "pages/housing/finding-a-flat.md",
) -> Path:
    with zipfile.ZipFile(bundle) as archive:
        text = archive.read(name).decode()
    assert old in text
    return rezip(bundle, target, replace={name: text.replace(old, new, 1).encode()})


def _huge(path: Path, name: str, megabytes: int) -> None:
    """A member of `megabytes` MB that compresses to almost nothing."""
    with (
        zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open(name, "w") as member,
    ):
        chunk = b"a" * (1024 * 1024)
        for _ in range(megabytes):
            member.write(chunk)


def _lying_size(path: Path) -> None:
    """A member whose central directory claims fewer bytes than it holds."""
    _zip_with(path, "pages/housing/liar.md", b"y" * 5000)
    data = bytearray(path.read_bytes())
    entry = data.rfind(b"PK\x01\x02")
    data[entry + 24 : entry + 28] = (10).to_bytes(4, "little")
    path.write_bytes(bytes(data))


BAD = {
    "climbs out with ..": (
        lambda b, t: _zip_with(b, "../outside.md"),
        "../outside.md: climbs out of the bundle's folder",
    ),
    "climbs out inside pages": (
        lambda b, t: _zip_with(b, "pages/housing/../../../etc/cron.md"),
        "pages/housing/../../../etc/cron.md: climbs out of the bundle's folder",
    ),
    "absolute path": (
        lambda b, t: _zip_with(b, "/etc/passwd"),
        "/etc/passwd: is an absolute path",
    ),
    "windows path": (
        lambda b, t: _zip_with(b, "pages\\..\\..\\evil.md"),
        "pages\\..\\..\\evil.md: uses '\\' in its path",
    ),
    "symbolic link": (
        lambda b, t: _zip_with(
            b,
            "pages/housing/link.md",
            b"/etc/passwd",
            external_attr=(stat.S_IFLNK | 0o777) << 16,
        ),
        "pages/housing/link.md: is a symbolic link",
    ),
    "a 100 MB file": (
        lambda b, t: _huge(b, "pages/housing/huge.md", 100),
        "pages/housing/huge.md: is 100.0 MB uncompressed: a file in a bundle may "
        "be at most 5.0 MB",
    ),
    "a zip bomb of many 5 MB files": (
        lambda b, t: [_huge(b, f"pages/housing/bomb-{i}.md", 5) for i in range(11)],
        "unpacks to 55.0 MB: a bundle may unpack to at most 50.0 MB",
    ),
    "a size the zip lies about": (
        lambda b, t: _lying_size(b),
        "pages/housing/liar.md: can't be read: the zip is damaged (Bad CRC-32",
    ),
    "front matter never closed": (
        lambda b, t: _front_matter_broken(
            b, t, "\n---\n", "\n\n", "pages/travel-and-visa/travel-signature.md"
        ),
        "pages/travel-and-visa/travel-signature.md: front matter is never closed",
    ),
    "order not a number": (
        lambda b, t: _front_matter_broken(b, t, "order: 3", "order: third"),
        "pages/housing/finding-a-flat.md: line 4: order: must be a whole number, "
        "not 'third'",
    ),
    "unknown field": (
        lambda b, t: _front_matter_broken(b, t, "verified-on:", "verfied-on:"),
        "pages/housing/finding-a-flat.md: line 6: unknown field 'verfied-on'",
    ),
    "review interval off the list": (
        lambda b, t: _front_matter_broken(
            b, t, "review-interval-months: 24", "review-interval-months: 7"
        ),
        "line 5: review-interval-months: must be 3, 6, 12 or 24",
    ),
    "bad date": (
        lambda b, t: _front_matter_broken(b, t, "verified-on: ", "verified-on: 31/12/"),
        "line 6: verified-on: must be a date written 2026-03-31",
    ),
    "chapter differs from its folder": (
        lambda b, t: _front_matter_broken(b, t, "chapter: housing", "chapter: family"),
        "line 3: chapter: says 'family' but the file is in the folder 'housing'",
    ),
    "no front matter": (
        lambda b, t: _zip_with(b, "pages/housing/plain.md", b"# Just Markdown\n"),
        "pages/housing/plain.md: line 1: a page starts with front matter",
    ),
    "a chapter not in the manifest": (
        lambda b, t: _zip_with(
            b,
            "pages/family/j2.md",
            b"---\ntitle: J-2\nchapter: family\norder: 1\n"
            b"review-interval-months: 12\nverified-on:\n---\nText\n",
        ),
        "pages/family/j2.md: its chapter 'family' is not listed in bundle.json",
    ),
    "not UTF-8": (
        lambda b, t: _zip_with(b, "pages/housing/latin.md", "café".encode("latin-1")),
        "pages/housing/latin.md: is not UTF-8 text",
    ),
    "a NUL character": (
        lambda b, t: _front_matter_broken(b, t, "six weeks", "six\x00weeks"),
        "pages/housing/finding-a-flat.md: line 9: has a NUL character",
    ),
    "a file that is not part of a bundle": (
        lambda b, t: _zip_with(b, "run-me.sh", b"#!/bin/sh\n"),
        "run-me.sh: is not part of a handbook bundle",
    ),
}


def _bad_csv(bundle: Path, target: Path) -> Path:
    return rezip(
        bundle,
        target,
        replace={
            "visa_wait_times.csv": b"country,visa_type,post,wait_days,"
            b"processing_notes,last_verified,source_url,is_example\n"
            b"IN,J-1,Pune,5000,,2026-01-01,https://travel.state.gov/x,false\n"
            b"XX,J-9,Nowhere,1,,soon,not a link,maybe\n"
        },
    )


def _bad_manifest(bundle: Path, target: Path) -> Path:
    return rezip(bundle, target, replace={"bundle.json": b'{"format": "imgportal-'})


BAD["a wait time over 1000 days"] = (
    _bad_csv,
    "visa_wait_times.csv line 2: wait_days: must be a whole number of days up to "
    "1000, not '5000'",
)
BAD["a row of nonsense"] = (
    _bad_csv,
    "visa_wait_times.csv line 3: last_verified: must be a date written "
    "2026-03-31, not 'soon'; is_example: must be true or false, not 'maybe'; "
    "country: Value 'XX' is not a valid choice.; visa_type: Value 'J-9' is not a "
    "valid choice.; source_url: Enter a valid URL.",
)
BAD["manifest not JSON"] = (
    _bad_manifest,
    "bundle.json: line 1: not valid JSON",
)


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_bundle_is_refused_with_the_file_and_reason_and_nothing_is_written(
    case, first_group, importer, tmp_path
):
    spoil, reason = BAD[case]
    bundle = tmp_path / "bundle.zip"
    export(bundle)
    empty_handbook()
    target = tmp_path / "spoiled.zip"
    made = spoil(bundle, target)
    path = made if isinstance(made, Path) else bundle
    before = counts()
    with pytest.raises(CommandError) as refused:
        run_import(path, "--apply", "--as", importer.email)
    message = str(refused.value)
    assert message.startswith(f"Refused {path}: nothing was imported.")
    assert reason in message
    assert counts() == before
    with pytest.raises(CommandError):
        run_import(path)  # the preview refuses it too


def test_every_problem_of_a_bundle_is_listed_in_one_run(first_group, tmp_path):
    bundle = tmp_path / "bundle.zip"
    export(bundle)
    target = _bad_csv(bundle, tmp_path / "spoiled.zip")
    _zip_with(target, "pages/housing/plain.md", b"no front matter")
    with pytest.raises(CommandError) as refused:
        run_import(target)
    message = str(refused.value)
    assert "visa_wait_times.csv line 2" in message
    assert "visa_wait_times.csv line 3: last_verified" in message
    assert "country: Value 'XX' is not a valid choice" in message
    assert "last_verified: must be a date" in message
    assert "pages/housing/plain.md: line 1" in message


def test_something_that_is_not_a_zip_is_refused(tmp_path):
    text = tmp_path / "bundle.zip"
    text.write_text("country,visa_type\nIN,J-1\n")
    with pytest.raises(CommandError, match="is not a zip file"):
        run_import(text)
    with pytest.raises(CommandError, match="there is no such file"):
        run_import(tmp_path / "missing.zip")
    huge = tmp_path / "huge.zip"
    with huge.open("wb") as sparse:
        sparse.truncate(60 * 1024 * 1024)
    with pytest.raises(CommandError, match=r"is 60\.0 MB: a bundle may be at most 50"):
        run_import(huge)
    with pytest.raises(CommandError, match="there is no such file"):
        run_import(tmp_path)


def test_an_import_needs_an_editor_who_brings_it_in(first_group, resident, tmp_path):
    bundle = tmp_path / "bundle.zip"
    export(bundle)
    empty_handbook()
    before = counts()
    with pytest.raises(CommandError, match="Say who brings the import in: --as"):
        run_import(bundle, "--apply")
    with pytest.raises(CommandError, match="No active account has the address"):
        run_import(bundle, "--apply", "--as", "nobody@example.org")
    with pytest.raises(CommandError, match="is not a handbook editor or co-lead"):
        run_import(bundle, "--apply", "--as", resident.user.email)
    assert counts() == before


def test_export_never_overwrites_without_force(first_group, tmp_path):
    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(b"someone's file")
    with pytest.raises(CommandError, match="already exists: choose another name"):
        export(bundle)
    assert bundle.read_bytes() == b"someone's file"
    call_command("handbook_export", str(bundle), "--force", stdout=io.StringIO())
    assert zipfile.is_zipfile(bundle)
    with pytest.raises(CommandError, match="does not exist"):
        export(tmp_path / "no-such-folder" / "bundle.zip")


def test_the_operator_sees_a_message_not_a_traceback(tmp_path):
    """Run as an operator would: `manage.py handbook_import` on a bad file."""
    text = tmp_path / "notes.zip"
    text.write_text("not a zip")
    done = subprocess.run(
        [sys.executable, "manage.py", "handbook_import", str(text)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "DEBUG": "0"},
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith(
        f"CommandError: Refused {text}: nothing was imported."
    )
    assert "is not a zip file" in done.stderr
