"""Roster import: preview, confirm, idempotent re-import, all-or-nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from members import imports
from members.models import AuditEntry, ImportJob, Member, User
from tests.conftest import client_for, page_text, post_confirmed
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

ROSTER = (
    "email,first_name,last_name,visa_status,training_stage,specialty,home_country\n"
    "new.person@example.org,Nadia,Rahman,J-1,PGY-1,Internal Medicine,BD\n"
    "known@example.org,Kofi,Mensah,H-1B,PGY-2,Pediatrics,GH\n"
)


def _upload(client, text: str, name="roster.csv", encoding="utf-8"):
    return client.post(
        reverse("members:import"),
        {"file": SimpleUploadedFile(name, text.encode(encoding), "text/csv")},
        follow=True,
    )


@pytest.fixture
def known():
    return MemberFactory(
        user__email="known@example.org",
        user__first_name="Kofi",
        user__last_name="Mensah",
        visa_status=Member.VisaStatus.J1,
    )


def test_preview_lists_creates_and_updates_and_writes_nothing(co_lead, known):
    page = _upload(client_for(co_lead), ROSTER).content.decode()
    job = ImportJob.objects.get()
    assert job.counts == {"create": 1, "update": 1, "unchanged": 0, "reject": 0}
    assert "new.person@example.org" in page
    assert "Import these rows" in page
    assert not User.objects.filter(email="new.person@example.org").exists()
    known.refresh_from_db()
    assert known.visa_status == Member.VisaStatus.J1


def test_confirming_writes_every_row_and_audits_it(co_lead, known):
    client = client_for(co_lead)
    _upload(client, ROSTER)
    job = ImportJob.objects.get()
    page = post_confirmed(
        client, reverse("members:import_detail", args=[job.pk]), follow=True
    ).content.decode()
    assert "Created 1, updated 1, unchanged 0" in page
    new = Member.objects.get(user__email="new.person@example.org")
    assert (new.status, new.visa_status, new.home_country.code) == (
        "active",
        "j1",
        "BD",
    )
    assert new.user.has_perm("members.access_portal")
    known.refresh_from_db()
    assert known.visa_status == Member.VisaStatus.H1B
    entry = known.audit_entries.get(action=AuditEntry.Action.IMPORTED)
    assert entry.changes["visa_status"] == ["(hidden)", "(hidden)"]


def test_importing_the_same_file_again_changes_nothing(co_lead, known):
    client = client_for(co_lead)
    _upload(client, ROSTER)
    post_confirmed(
        client, reverse("members:import_detail", args=[ImportJob.objects.get().pk])
    )
    count = Member.objects.count()
    page = _upload(client, ROSTER).content.decode()
    second = ImportJob.objects.order_by("-pk").first()
    assert second.counts == {"create": 0, "update": 0, "unchanged": 2, "reject": 0}
    assert not second.can_confirm
    assert "Nothing to import" in page
    assert Member.objects.count() == count


def test_a_file_with_one_bad_row_cannot_be_confirmed(co_lead, known):
    client = client_for(co_lead)
    bad = ROSTER + "third@example.org,Tri,Ng,Q-7,,,\n"
    page = _upload(client, bad).content.decode()
    assert "Rows with problems" in page
    assert "unknown visa status “Q-7”" in page
    assert "Import these rows" not in page
    job = ImportJob.objects.get()
    response = client.post(reverse("members:import_detail", args=[job.pk]), follow=True)
    assert "can't be imported" in page_text(response)
    assert not User.objects.filter(email="new.person@example.org").exists()


def test_a_failure_while_importing_writes_nothing(co_lead, known, monkeypatch):
    client = client_for(co_lead)
    _upload(client, ROSTER)
    job = ImportJob.objects.get()
    # The roster changed under us (a program renamed, a code retired…): the write
    # re-checks every row and gives up whole.
    monkeypatch.setattr(
        imports, "lookups", lambda: imports.roster.Lookups({}, {}, {}, {}, {})
    )
    post_confirmed(client, reverse("members:import_detail", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert not User.objects.filter(email="new.person@example.org").exists()
    known.refresh_from_db()
    assert known.visa_status == Member.VisaStatus.J1


def test_another_encoding_is_explained(co_lead):
    text = "email,first_name,last_name\nm@example.org,Jörg,Müller\n"
    page = _upload(client_for(co_lead), text, encoding="utf-16").content.decode()
    assert "not UTF-8" in page
    assert "Nothing was written" in page


def test_wrong_columns_are_explained(co_lead):
    page = _upload(client_for(co_lead), "name,mail\nA,a@x.org\n").content.decode()
    assert "Missing column(s): email, first_name, last_name" in page


def test_large_files_are_checked_and_imported_by_celery(
    co_lead, django_capture_on_commit_callbacks
):
    lines = [
        f"rostered{i}@example.org,First{i},Last{i},J-1,PGY-1,Internal Medicine,IN"
        for i in range(imports.INLINE_ROWS + 5)
    ]
    client = client_for(co_lead)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _upload(client, ROSTER.splitlines()[0] + "\n" + "\n".join(lines) + "\n")
    assert len(callbacks) == 1  # the preview was queued, not done in the request
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.PREVIEWED
    assert job.counts["create"] == imports.INLINE_ROWS + 5
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        post_confirmed(client, reverse("members:import_detail", args=[job.pk]))
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert Member.objects.filter(user__email__startswith="rostered").count() == (
        imports.INLINE_ROWS + 5
    )


def test_the_apply_task_is_safe_to_run_twice(co_lead):
    client = client_for(co_lead)
    _upload(client, ROSTER)
    job = ImportJob.objects.get()
    post_confirmed(client, reverse("members:import_detail", args=[job.pk]))
    count = Member.objects.count()
    assert imports.import_job_apply(job_id=job.pk) is None
    assert Member.objects.count() == count


def test_gme_staff_cannot_import(gme_staff):
    assert _upload(client_for(gme_staff), ROSTER).status_code == 403
