"""A contacts import keeps the uploaded rows no longer than needed: a confirmed
import keeps only its counts (the rows are contacts now), and a preview nobody
confirmed is deleted by a daily task once it is older than a day."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import TextField
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone

from contacts import services
from contacts.models import PREVIEW_KEPT_FOR, Contact, ContactImport
from contacts.tasks import contact_imports_purge_task
from imgportal.celery import app
from members.models import DeletionRequest
from members.services import deletion_request_confirm
from tests.conftest import (
    client_for,
    confirm_fingerprint,
    page_text,
    post_confirmed,
)
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "Name,Role,Institution,Where met,What was discussed,Last contact,"
    "Next follow-up,Tags\r\n"
)
ROWS = (
    "Dr. Canary Row,PD,Lakeside,Interview,CANARY-DISCUSSED,,,\r\n"
    "Bo Chen,,Mercy,,,,,\r\n"
    "Bo Chen,,Mercy,,,,,\r\n"  # a duplicate of the row above: skipped
)


def _upload(client, content: str = HEADER + ROWS):
    return client.post(
        reverse("contacts:import"),
        {"file": SimpleUploadedFile("my-network.csv", content.encode(), "text/csv")},
        follow=True,
    )


def _preview(member, *, age: timedelta) -> ContactImport:
    job = services.contact_import_create(
        member=member, filename="list.csv", raw=(HEADER + ROWS).encode()
    )
    ContactImport.objects.filter(pk=job.pk).update(created_at=timezone.now() - age)
    return job


def _imports_holding(text: str) -> list[int]:
    return list(
        ContactImport.objects.annotate(_rows=Cast("rows", TextField()))
        .filter(_rows__icontains=text)
        .values_list("pk", flat=True)
    )


def test_confirming_clears_the_rows_and_the_result_still_says_what_happened(
    resident,
):
    client = client_for(resident)
    _upload(client)
    job = ContactImport.objects.get(member=resident)
    url = reverse("contacts:import_detail", args=[job.pk])
    assert "Added 2 contacts" in page_text(post_confirmed(client, url, follow=True))
    job.refresh_from_db()
    assert job.rows == [] and job.file_errors == []
    assert _imports_holding("CANARY-DISCUSSED") == []
    assert _imports_holding("Bo Chen") == []
    # The contacts themselves are in the log.
    assert Contact.objects.get(name="Dr. Canary Row").discussed == "CANARY-DISCUSSED"
    # The import's own page still tells the result, from the counts alone.
    page = page_text(client.get(url))
    assert "my-network.csv" in page
    assert "Imported: 2 contacts added" in page
    assert "1 duplicate skipped" in page
    # Confirming again changes nothing and says it was done.
    again = page_text(client.post(url, follow=True))
    assert "already imported" in again
    assert Contact.objects.filter(member=resident).count() == 2


def test_a_row_that_became_a_duplicate_before_confirming_counts_as_skipped(
    resident,
):
    client = client_for(resident)
    _upload(client)
    job = ContactImport.objects.get(member=resident)
    Contact.objects.create(member=resident, name="Bo Chen", institution="Mercy")
    url = reverse("contacts:import_detail", args=[job.pk])
    post_confirmed(client, url, follow=True)
    page = page_text(client.get(url))
    assert "Imported: 1 contact added" in page
    assert "2 duplicates skipped" in page


def test_the_daily_task_deletes_only_old_unconfirmed_previews(
    resident, mentor, co_lead
):
    old = _preview(resident, age=PREVIEW_KEPT_FOR + timedelta(minutes=1))
    fresh = _preview(mentor, age=PREVIEW_KEPT_FOR - timedelta(minutes=5))
    done = _preview(co_lead, age=timedelta(minutes=1))
    services.contact_import_confirm(job=done)
    ContactImport.objects.filter(pk=done.pk).update(
        created_at=timezone.now() - timedelta(days=90)
    )
    assert contact_imports_purge_task() == 1
    assert not ContactImport.objects.filter(pk=old.pk).exists()
    assert not Contact.objects.filter(member=resident).exists()
    # Another member's preview from this morning stays, rows and all.
    assert ContactImport.objects.get(pk=fresh.pk).new_rows
    # A finished import stays: it holds its counts and no rows.
    kept = ContactImport.objects.get(pk=done.pk)
    assert (kept.status, kept.imported, kept.rows) == ("done", 2, [])
    assert Contact.objects.filter(member=co_lead).count() == 2
    # Run again (a retry, a second beat firing): nothing more goes.
    assert contact_imports_purge_task() == 0
    assert set(ContactImport.objects.values_list("pk", flat=True)) == {
        fresh.pk,
        done.pk,
    }


def test_an_expired_preview_says_to_upload_again_and_imports_nothing(resident):
    client = client_for(resident)
    job = _preview(resident, age=PREVIEW_KEPT_FOR + timedelta(hours=1))
    url = reverse("contacts:import_detail", args=[job.pk])
    # Past its day but not yet purged: already gone for the member.
    for response in (
        client.get(url),
        client.post(url),
        client.post(url, {"confirm_fingerprint": "from-an-old-confirm-page"}),
    ):
        assert response.status_code == 404
        assert "upload the file again" in page_text(response)
    assert not Contact.objects.exists()
    # And once the task deleted it: the same answer.
    contact_imports_purge_task()
    response = client.get(url)
    assert response.status_code == 404
    assert "upload the file again" in page_text(response)


def test_a_preview_that_expires_on_the_confirm_page_is_refused_not_an_error(
    resident,
):
    """The confirm page was open when the day ran out (or the task ran)."""
    client = client_for(resident)
    job = _preview(resident, age=timedelta(0))
    url = reverse("contacts:import_detail", args=[job.pk])
    fingerprint = confirm_fingerprint(client.post(url))
    ContactImport.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - PREVIEW_KEPT_FOR - timedelta(seconds=1)
    )
    late = client.post(url, {"confirm_fingerprint": fingerprint})
    assert late.status_code == 404
    assert "upload the file again" in page_text(late)
    with pytest.raises(services.ValidationError, match="upload the file again"):
        services.contact_import_confirm(job=job)
    contact_imports_purge_task()
    with pytest.raises(services.ValidationError, match="upload the file again"):
        services.contact_import_confirm(job=job)
    assert not Contact.objects.exists()


def test_the_preview_page_says_how_long_it_is_kept(resident):
    page = page_text(_upload(client_for(resident)))
    assert "kept for 24 hours" in page


def test_beat_purges_old_previews_every_night():
    entry = app.conf.beat_schedule["purge-contact-import-previews"]
    assert entry["task"] == "contacts.tasks.contact_imports_purge_task"
    assert entry["schedule"].hour == {3} and entry["schedule"].minute == {45}


def test_the_data_download_lists_imports_by_counts_and_anonymising_erases_them(
    resident, co_lead
):
    client = client_for(resident)
    _upload(client)
    job = ContactImport.objects.get(member=resident)
    post_confirmed(
        client, reverse("contacts:import_detail", args=[job.pk]), follow=True
    )
    _upload(client, HEADER + "Pending Person,,Elm,,CANARY-PENDING,,,\r\n")
    data = client.get(reverse("members:my_data")).json()
    assert [
        (i["filename"], i["status"], i["imported"], i["duplicates_skipped"])
        for i in data["contact_imports"]
    ] == [
        ("my-network.csv", "Imported", 2, 1),
        ("my-network.csv", "Ready to confirm", 0, 0),
    ]
    assert data["contact_imports"][1]["rows_in_preview"] == 1
    # The rows themselves are not repeated: the imported ones are contacts.
    assert "CANARY-DISCUSSED" not in str(data["contact_imports"])
    assert "CANARY-PENDING" not in str(data)
    page = page_text(client.get(reverse("members:my_data_page")))
    assert "Contact imports" in page and "my-network.csv" in page
    request = DeletionRequest.objects.create(member=resident)
    deletion_request_confirm(request=request, by=co_lead.user)
    assert not ContactImport.objects.filter(member=resident).exists()


def test_imports_confirmed_before_the_fix_lose_their_rows_on_migrate(resident):
    """The data migration: finished imports from before keep counts only."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("contacts.migrations.0002_import_skipped_count")
    old = _preview(resident, age=timedelta(days=30))
    ContactImport.objects.filter(pk=old.pk).update(status="done", imported=2)
    pending = _preview(MemberFactory(), age=timedelta(0))
    migration.clear_finished_imports(apps, None)
    old.refresh_from_db()
    assert (old.rows, old.imported, old.skipped) == ([], 2, 1)
    assert ContactImport.objects.get(pk=pending.pk).new_rows  # still to confirm
