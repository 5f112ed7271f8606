"""Importing a contacts spreadsheet: every row previewed, nothing written until
the member confirms, then every row at once; files in any common encoding."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contacts import spreadsheet
from contacts.models import Contact, ContactImport
from tests.conftest import client_for, page_text, post_confirmed
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "Name,Role,Institution,Where met,What was discussed,Last contact,"
    "Next follow-up,Tags\r\n"
)
ROWS = (
    "José Núñez,Program director,Hospital Español,Interview,Research time,"
    '2026-01-05,3/1/2027,"fellowship, IM"\r\n'
    "Zoë Müller,Attending,Charité,Away rotation: Cardiology,Letter,"
    "12/20/2025,,letter\r\n"
)


def _upload(client, content: bytes, name="contacts.csv", follow=True):
    return client.post(
        reverse("contacts:import"),
        {"file": SimpleUploadedFile(name, content, "text/csv")},
        follow=follow,
    )


def _confirm(client, job: ContactImport):
    url = reverse("contacts:import_detail", args=[job.pk])
    return post_confirmed(client, url, follow=True)


@pytest.mark.parametrize(
    ("encoding", "read_as"),
    [
        ("cp1252", "Windows-1252"),
        ("latin-1", "Windows-1252"),
        ("utf-8-sig", "UTF-8"),
        ("utf-8", "UTF-8"),
        ("utf-16", "UTF-16"),
    ],
)
def test_a_file_in_any_common_encoding_previews_then_imports_on_confirm(
    resident, encoding, read_as
):
    client = client_for(resident)
    response = _upload(client, (HEADER + ROWS).encode(encoding))
    assert response.status_code == 200
    job = ContactImport.objects.get(member=resident)
    text = page_text(response)
    assert f"Read as {read_as} text" in text
    assert "José Núñez" in text and "Zoë Müller" in text
    assert not Contact.objects.exists()  # nothing until confirmed
    done = _confirm(client, job)
    assert "Added 2 contacts" in page_text(done)
    jose = Contact.objects.get(name="José Núñez")
    assert jose.institution == "Hospital Español"
    assert jose.where_met == "interview" and jose.tags == ["fellowship", "IM"]
    assert str(jose.follow_up_on) == "2027-03-01"
    zoe = Contact.objects.get(name="Zoë Müller")
    assert (zoe.where_met, zoe.where_met_detail) == ("away_rotation", "Cardiology")
    assert str(zoe.last_contact_on) == "2025-12-20"
    # The same file again: every row is a duplicate, nothing to import.
    again = _upload(client, (HEADER + ROWS).encode(encoding))
    assert "Nothing to import" in page_text(again)
    assert Contact.objects.count() == 2


@pytest.mark.parametrize(
    ("separator", "encoding"),
    [(";", "utf-8-sig"), ("\t", "utf-16"), (";", "cp1252")],
    ids=["semicolons (Excel, Europe)", "Unicode text (tabs)", "semicolons cp1252"],
)
def test_semicolon_and_tab_separated_files_import_too(resident, separator, encoding):
    """Excel writes semicolons where the comma is the decimal mark and tabs for
    "Unicode text": the header line says which."""
    text = (
        separator.join(["Name", "Institution", "Tags", "Next follow-up"])
        + "\r\n"
        + separator.join(["José Núñez", "Hospital Español", '"IM, fellowship"', ""])
        + "\r\n"
        + separator.join(["Dr Okafor", "Lagos, Nigeria", "", "2027-03-01"])
        + "\r\n"
    )
    client = client_for(resident)
    _upload(client, text.encode(encoding))
    job = ContactImport.objects.get(member=resident)
    assert job.file_errors == [] and len(job.new_rows) == 2
    _confirm(client, job)
    jose = Contact.objects.get(name="José Núñez")
    assert jose.institution == "Hospital Español"
    assert jose.tags == ["IM", "fellowship"]
    okafor = Contact.objects.get(name="Dr Okafor")
    assert okafor.institution == "Lagos, Nigeria"
    assert str(okafor.follow_up_on) == "2027-03-01"


def test_duplicates_in_the_file_and_in_the_log_are_listed_and_skipped(resident):
    Contact.objects.create(member=resident, name="Ann Lee", institution="Lakeside")
    content = (
        HEADER
        + "ann  LEE,,lakeside,,,,,\n"
        + "Bo Chen,,Mercy,,,,,\n"
        + "Bo Chen,,Mercy,,,,,\n"
        + "Bo Chen,,Riverside,,,,,\n"
    )
    client = client_for(resident)
    response = _upload(client, content.encode())
    text = page_text(response)
    assert "Already in your log: skipped." in text
    assert "Same name and institution as row 3: skipped." in text
    assert "2 new contacts" in text
    _confirm(client, ContactImport.objects.get())
    assert sorted(
        Contact.objects.filter(member=resident).values_list("name", "institution")
    ) == [("Ann Lee", "Lakeside"), ("Bo Chen", "Mercy"), ("Bo Chen", "Riverside")]


def test_a_bad_row_imports_nothing_until_the_file_is_fixed(resident):
    content = HEADER + "Good Row,,,,,,,\n" + ",Nameless,,,,2026-13-01,,\n"
    client = client_for(resident)
    response = _upload(client, content.encode())
    text = page_text(response)
    assert "Some rows need fixing" in text
    assert "Name: required." in text
    assert "is not a date like 2026-07-01" in text
    job = ContactImport.objects.get()
    url = reverse("contacts:import_detail", args=[job.pk])
    refused = client.post(url, follow=True)
    assert "can't be imported" in page_text(refused)
    assert not Contact.objects.exists()
    fixed = _upload(client, (HEADER + "Good Row,,,,,,,\nNamed,,,,,,,\n").encode())
    _confirm(client, ContactImport.objects.get(pk=fixed.context["job"].pk))
    assert Contact.objects.count() == 2


def test_formula_cells_are_stored_as_text_and_exported_neutralised(resident):
    content = HEADER + '"=HYPERLINK(""http://x"")",+1+cmd,@SUM(A1),,-2+3,,,=evil\n'
    client = client_for(resident)
    _upload(client, content.encode())
    _confirm(client, ContactImport.objects.get())
    contact = Contact.objects.get()
    assert contact.name == '=HYPERLINK("http://x")'
    assert (contact.role, contact.institution) == ("+1+cmd", "@SUM(A1)")
    assert contact.discussed == "-2+3" and contact.tags == ["=evil"]
    exported = client.get(reverse("contacts:export")).content.decode()
    for cell in ("'=HYPERLINK", "'+1+cmd", "'@SUM(A1)", "'-2+3", "'=evil"):
        assert cell in exported


def test_export_then_re_import_gives_the_same_rows(resident, mentor):
    Contact.objects.create(
        member=resident,
        name="=Dr. Formula",
        role="PD",
        institution="Lakeside, Main campus",
        where_met="conference",
        where_met_detail="ACP: IMG reception",
        discussed='Line one\nLine "two"',
        last_contact_on="2026-01-02",
        follow_up_on="2027-02-03",
        tags=["fellowship", "letter"],
    )
    Contact.objects.create(member=resident, name="Plain", where_met="other")
    Contact.objects.create(member=resident, name="Bare")
    exported = client_for(resident).get(reverse("contacts:export")).content
    client = client_for(mentor)
    response = _upload(client, exported)
    assert response.status_code == 200
    _confirm(client, ContactImport.objects.get(member=mentor))
    fields = (
        "name",
        "role",
        "institution",
        "where_met",
        "where_met_detail",
        "discussed",
        "last_contact_on",
        "follow_up_on",
        "tags",
    )

    def rows(member):
        return sorted(Contact.objects.filter(member=member).values_list(*fields))

    assert rows(mentor) == rows(resident)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (HEADER + "x,,,,,,,\n" * 10_000, "more than 2,000 rows"),
        (b"", "file is empty"),
        ("Email,Phone\nx,y\n", "at least “Name”"),
        ("Name,Shoe size\nx,9\n", "Unknown column(s): “Shoe size”"),
        ("Name,Name\nx,y\n", "named twice"),
        (HEADER, "a header but no rows"),
    ],
)
def test_a_file_that_cant_be_imported_is_refused_beside_the_file_field(
    resident, content, message
):
    raw = content.encode() if isinstance(content, str) else content
    response = _upload(client_for(resident), raw)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["file"])
    assert not ContactImport.objects.exists()
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    "raw",
    [
        b'Name\n"unclosed\n',
        b"Name\r\rA\rB\r",
        b"\xff\xfe\x00",
        b"\x00\x01\x02\xff" * 100,
        "Name\n".encode("utf-16-le"),
    ],
)
def test_odd_files_get_a_message_or_a_preview_never_an_error(resident, raw):
    response = _upload(client_for(resident), raw)
    assert response.status_code == 200
    assert not Contact.objects.exists()


def test_a_2000_row_file_imports_in_one_go(resident):
    content = HEADER + "".join(f"Person {i},,Inst {i},,,,,\n" for i in range(2000))
    client = client_for(resident)
    _upload(client, content.encode())
    done = _confirm(client, ContactImport.objects.get())
    assert "Added 2000 contacts" in page_text(done)
    assert Contact.objects.filter(member=resident).count() == 2000


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("Na\x00me,,,,,,,", "not text"),
        ("x" * 201 + ",,,,,,,", "Name: longer than 200"),
        ("A,,,,,,,," + ",".join("x" * 3 for _ in range(3)), "more cells than"),
        ("A,,,,,2099-01-01,,", "Last contact: That is in the future"),
        ("A,,,,,,1/1/1900,", "Next follow-up: 1 Jan 1900? Check the year"),
        ("A,,,,,,," + ";".join(f"t{i}" for i in range(25)), "more than 20 tags"),
        ("A,,,,," + "x" * 5001 + ",,", None),
    ],
)
def test_a_bad_cell_is_that_rows_problem(resident, row, problem):
    response = _upload(client_for(resident), (HEADER + row + "\n").encode())
    assert response.status_code == 200
    job = ContactImport.objects.get()
    assert job.problem_rows and not job.can_confirm
    if problem:
        assert problem in " ".join(job.problem_rows[0]["problems"])


def test_another_members_import_is_a_404(resident, mentor, gme_staff):
    _upload(client_for(resident), (HEADER + ROWS).encode())
    job = ContactImport.objects.get()
    url = reverse("contacts:import_detail", args=[job.pk])
    superuser = MemberFactory()
    for other in (mentor, gme_staff, superuser):
        assert client_for(other).get(url).status_code == 404
        assert client_for(other).post(url).status_code == 404
    assert not Contact.objects.exists()


def test_a_second_confirm_imports_nothing_more(resident):
    client = client_for(resident)
    _upload(client, (HEADER + ROWS).encode())
    job = ContactImport.objects.get()
    _confirm(client, job)
    url = reverse("contacts:import_detail", args=[job.pk])
    again = client.post(url, follow=True)
    assert again.status_code == 200
    assert Contact.objects.count() == 2


def test_us_and_iso_dates_are_read():
    assert str(spreadsheet.parse_date("7/1/2026")) == "2026-07-01"
    assert str(spreadsheet.parse_date("07/01/26")) == "2026-07-01"
    assert str(spreadsheet.parse_date("2026-07-01")) == "2026-07-01"
    assert spreadsheet.parse_date("1 July 2026") is None
