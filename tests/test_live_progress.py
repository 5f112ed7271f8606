"""Live progress without reloads: a roster import, a newsletter send and the
emails of a confirmed matching round show their progress in a small
`role="status"` region that htmx polls and updates in place, with a Refresh
link for people without JavaScript, and no timed refresh of the whole page."""

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members import imports
from members.models import ImportJob, Role
from members.tasks import import_preview_task
from mentorship import services as mentoring
from mentorship.models import Match, MatchingRound, MentorProfile, MentorshipRequest
from newsletters.models import Delivery, Newsletter
from tests.conftest import client_for, page_text
from tests.factories import MemberFactory, bulk_members, give_totp, newsletter_sending

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
HTMX = {"HTTP_HX_REQUEST": "true"}
HEADER = "email,first_name,last_name,visa_status,training_stage,specialty,home_country"


def _roster(n: int) -> str:
    rows = [
        f"live{i}@example.org,First{i},Last{i},J-1,PGY-1,Internal Medicine,IN"
        for i in range(n)
    ]
    return HEADER + "\n" + "\n".join(rows) + "\n"


def _held_back_import(client, n: int) -> ImportJob:
    """Upload a file big enough for Celery; its queued preview is never run
    (the test's transaction never commits), so the job stays "checking"."""
    client.post(
        reverse("members:import"),
        {"file": SimpleUploadedFile("big.csv", _roster(n).encode(), "text/csv")},
    )
    job = ImportJob.objects.latest("pk")
    assert job.status == ImportJob.Status.PREVIEWING
    return job


def _assert_live_region(response, fragment_url: str) -> str:
    """The page has the polite status region polling the fragment, the Refresh
    link, and no timed refresh of any kind."""
    html = response.content.decode()
    assert response.status_code == 200
    assert "Refresh" not in response.headers
    assert not re.search(r"http-equiv=\W*refresh", html, re.IGNORECASE)
    region = re.search(r'<div id="[\w-]+" role="status"[^>]*>', html)
    assert region, "no role=status region"
    tag = region.group(0)
    assert 'aria-live="polite"' in tag
    assert f'hx-get="{fragment_url}"' in tag
    assert 'hx-trigger="every 2s"' in tag
    assert '<a href="">Refresh</a>' in html
    return html


def _seen(html: str) -> str:
    return re.search(r'name="seen" value="(\w+)"', html).group(1)


def _queries(client, url: str) -> int:
    client.get(url, **HTMX)  # warm: sessions, permission caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, **HTMX).status_code in (200, 286)
    return len(queries)


# --- Roster import -----------------------------------------------------------------


def test_an_import_being_checked_shows_live_progress_then_stops(co_lead):
    client = client_for(co_lead)
    job = _held_back_import(client, imports.INLINE_ROWS + 100)
    detail = reverse("members:import_detail", args=[job.pk])
    fragment = reverse("members:import_progress", args=[job.pk])
    imports._progress(job.pk, ImportJob.Status.PREVIEWING, 150)

    html = _assert_live_region(client.get(detail), fragment)
    assert "150 of 300 rows checked" in page_text(client.get(detail))

    answer = client.get(fragment, **HTMX)
    assert answer.status_code == 200
    assert "no-store" in answer["Cache-Control"]
    assert "150 of 300 rows checked" in answer.content.decode()
    # Nothing changed since the page was drawn: nothing to swap or announce.
    assert client.get(fragment, {"seen": _seen(html)}, **HTMX).status_code == 204
    imports._progress(job.pk, ImportJob.Status.PREVIEWING, 200)
    moved = client.get(fragment, {"seen": _seen(html)}, **HTMX)
    assert moved.status_code == 200
    assert "200 of 300 rows checked" in moved.content.decode()

    import_preview_task(job.pk)  # the held-back work is done
    done = client.get(fragment, {"seen": _seen(html)}, **HTMX)
    assert done.status_code == 286  # htmx swaps this, then stops polling
    text = page_text(done)
    assert "Checked all 300 rows." in text
    assert f'<a href="{detail}">Show the preview</a>' in text
    assert 'hx-swap-oob="true"' in text  # the Refresh link goes away
    # ...and the page's status line no longer says "Checking the file".
    assert (
        '<span id="import-status" hx-swap-oob="innerHTML">Checked: ready to import'
        in text
    )
    page = client.get(detail).content.decode()
    assert 'role="status" aria-live' not in page  # finished: no region, no poll
    assert "Import these rows" in page


def test_an_import_being_written_counts_the_rows_done(co_lead):
    job = ImportJob.objects.create(
        uploaded_by=co_lead.user, filename="r.csv", status="importing", total_rows=1200
    )
    imports._progress(job.pk, ImportJob.Status.IMPORTING, 350)
    client = client_for(co_lead)
    _assert_live_region(
        client.get(reverse("members:import_detail", args=[job.pk])),
        reverse("members:import_progress", args=[job.pk]),
    )
    answer = client.get(reverse("members:import_progress", args=[job.pk]), **HTMX)
    assert "Importing: 350 of 1,200 rows done" in page_text(answer)
    job.status, job.result = "done", {"created": 1200, "updated": 0, "unchanged": 0}
    job.save()
    done = client.get(reverse("members:import_progress", args=[job.pk]), **HTMX)
    assert done.status_code == 286
    assert "Imported: created 1,200, updated 0, unchanged 0" in page_text(done)
    assert 'id="import-status" hx-swap-oob="innerHTML">Imported<' in page_text(done)


def test_only_the_uploader_sees_an_imports_progress(co_lead, resident, gme_staff):
    job = ImportJob.objects.create(
        uploaded_by=co_lead.user, filename="r.csv", status="importing", total_rows=9
    )
    fragment = reverse("members:import_progress", args=[job.pk])
    assert client_for(resident).get(fragment, **HTMX).status_code == 403
    assert client_for(gme_staff).get(fragment, **HTMX).status_code == 403
    other_co_lead = MemberFactory(roles=[Role.RESIDENT, Role.CO_LEAD])
    give_totp(other_co_lead.user)
    assert client_for(other_co_lead).get(fragment, **HTMX).status_code == 404


def test_a_poll_after_signing_out_stops_with_a_sentence(client, co_lead):
    job = ImportJob.objects.create(
        uploaded_by=co_lead.user, filename="r.csv", status="importing", total_rows=9
    )
    answer = client.get(reverse("members:import_progress", args=[job.pk]), **HTMX)
    assert answer.status_code == 286
    assert "You were signed out" in answer.content.decode()


def test_import_progress_runs_the_same_queries_for_10_and_300_rows(co_lead):
    client = client_for(co_lead)
    counts = []
    for n in (10, 300):
        job = ImportJob.objects.create(
            uploaded_by=co_lead.user,
            filename="r.csv",
            content=_roster(n),
            status="previewing",
            total_rows=n,
        )
        counts.append(
            _queries(client, reverse("members:import_progress", args=[job.pk]))
        )
    assert counts[0] == counts[1] <= 6


# --- Newsletter send -----------------------------------------------------------------


def _sending(co_lead, n: int, sent: int) -> Newsletter:
    return newsletter_sending(co_lead.user, n, sent)


def test_a_newsletter_being_sent_shows_live_progress_then_stops(co_lead, resident):
    newsletter = _sending(co_lead, 30, sent=12)
    client = client_for(co_lead)
    fragment = reverse("newsletters:manage_progress", args=[newsletter.pk])
    page = client.get(reverse("newsletters:manage_detail", args=[newsletter.pk]))
    html = _assert_live_region(page, fragment)
    assert "Sending: sent to 12 of 30." in page_text(page)

    assert client.get(fragment, {"seen": _seen(html)}, **HTMX).status_code == 204
    first = newsletter.deliveries.order_by("pk").first()
    newsletter.deliveries.exclude(pk=first.pk).update(status="sent")
    newsletter.deliveries.filter(pk=first.pk).update(status="failed")
    Newsletter.objects.filter(pk=newsletter.pk).update(status="sent")
    done = client.get(fragment, {"seen": _seen(html)}, **HTMX)
    assert done.status_code == 286
    assert "Finished: sent to 29 of 30; 1 failed." in page_text(done)
    assert "Show the delivery report" in page_text(done)
    # The page's "Sending" badge says "Sent" with the last poll (out of band).
    assert 'id="newsletter-status" hx-swap-oob="innerHTML">Sent<' in page_text(done)
    assert client_for(resident).get(fragment, **HTMX).status_code == 403


def _delivery_report(html: str) -> str:
    """The page's delivery report (its counts and problems), as words."""
    block = re.search(
        r'<div id="delivery-report"[^>]*>(.*?)</div>',
        html,
        re.DOTALL,
    )
    assert block, "no delivery report"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", block.group(1)))


def test_the_last_poll_of_a_send_brings_the_delivery_report_up_to_date(co_lead):
    """Once sent, the page's delivery counts and problems say what the status
    line says, without a reload: the final poll replaces them out of band."""
    newsletter = _sending(co_lead, 30, sent=12)
    client = client_for(co_lead)
    fragment = reverse("newsletters:manage_progress", args=[newsletter.pk])
    page = page_text(
        client.get(reverse("newsletters:manage_detail", args=[newsletter.pk]))
    )
    opened = _delivery_report(page)
    assert "Sent: 12" in opened and "Waiting: 18" in opened
    assert "from when this page was opened" in opened
    # While it sends the polls carry only the progress words.
    Delivery.objects.filter(newsletter=newsletter, email="reader12@example.org").update(
        status="sent"
    )
    moving = client.get(fragment, {"seen": _seen(page)}, **HTMX)
    assert moving.status_code == 200
    assert "delivery-report" not in moving.content.decode()

    first = newsletter.deliveries.order_by("pk").first()
    newsletter.deliveries.exclude(pk=first.pk).update(status="sent")
    newsletter.deliveries.filter(pk=first.pk).update(
        status="failed", error="550 No such user"
    )
    Newsletter.objects.filter(pk=newsletter.pk).update(status="sent")
    done = client.get(fragment, {"seen": _seen(page)}, **HTMX)
    assert done.status_code == 286
    html = page_text(done)
    assert '<div id="delivery-report" hx-swap-oob="true"' in html
    report = _delivery_report(html)
    assert "Sent: 29" in report and "Waiting: 0" in report and "Failed: 1" in report
    assert "reader0@example.org failed 550 No such user" in report
    assert "from when this page was opened" not in report
    # The report a reload shows is the same one.
    reloaded = page_text(
        client.get(reverse("newsletters:manage_detail", args=[newsletter.pk]))
    )
    assert _delivery_report(reloaded) == report


def test_the_last_poll_of_a_send_costs_the_same_queries_for_10_and_300(co_lead):
    client = client_for(co_lead)
    counts = []
    for n in (10, 300):
        newsletter = _sending(co_lead, n, n)
        Newsletter.objects.filter(pk=newsletter.pk).update(status="sent")
        newsletter.deliveries.filter(email="reader0@example.org").update(
            status="failed"
        )
        counts.append(
            _queries(
                client, reverse("newsletters:manage_progress", args=[newsletter.pk])
            )
        )
    assert counts[0] == counts[1] <= 7


def test_send_progress_runs_the_same_queries_for_10_and_300_deliveries(co_lead):
    client = client_for(co_lead)
    counts = [
        _queries(
            client,
            reverse(
                "newsletters:manage_progress", args=[_sending(co_lead, n, n // 2).pk]
            ),
        )
        for n in (10, 300)
    ]
    assert counts[0] == counts[1] <= 6


# --- Matching round: asking the mentors ----------------------------------------------


def _confirmed_round(co_lead, n: int) -> MatchingRound:
    """A confirmed round of `n` pairs whose mentor emails are not queued yet (the
    round's on-commit task never runs inside the test's transaction)."""
    mentor = MentorProfile.objects.create(
        member=MemberFactory(roles=[Role.RESIDENT, Role.MENTOR]), types=["career"]
    )
    matching_round = MatchingRound.objects.create(
        created_by=co_lead.user,
        status=MatchingRound.Status.CONFIRMED,
        confirmed_at=timezone.now(),
    )
    wanted = MentorshipRequest.objects.bulk_create(
        MentorshipRequest(mentee=mentee, types=["career"], goals="Fellowship")
        for mentee in bulk_members(n)
    )
    Match.objects.bulk_create(
        Match(request=r, mentor=mentor, kind="career", round=matching_round)
        for r in wanted
    )
    return matching_round


def test_a_confirmed_round_shows_its_mentors_being_asked_then_stops(co_lead, resident):
    matching_round = _confirmed_round(co_lead, 3)
    client = client_for(co_lead)
    fragment = reverse("mentorship:round_progress", args=[matching_round.pk])
    page = client.get(matching_round.get_absolute_url())
    html = _assert_live_region(page, fragment)
    assert "Emailing the mentors: 0 of 3 pairs asked so far." in page_text(page)
    assert client.get(fragment, {"seen": _seen(html)}, **HTMX).status_code == 204
    assert client_for(resident).get(fragment, **HTMX).status_code == 403

    assert mentoring.round_notify(round_id=matching_round.pk) == 3
    done = client.get(fragment, {"seen": _seen(html)}, **HTMX)
    assert done.status_code == 286
    assert "Every mentor of this round was emailed: 3 pairs asked" in page_text(done)
    again = client.get(matching_round.get_absolute_url()).content.decode()
    assert "hx-trigger" not in again


def test_a_draft_round_has_nothing_running(co_lead):
    draft = MatchingRound.objects.create(created_by=co_lead.user)
    client = client_for(co_lead)
    assert (
        'role="status" aria-live'
        not in client.get(draft.get_absolute_url()).content.decode()
    )
    fragment = reverse("mentorship:round_progress", args=[draft.pk])
    assert client.get(fragment, **HTMX).status_code == 404


def test_round_progress_runs_the_same_queries_for_10_and_300_pairs(co_lead):
    client = client_for(co_lead)
    counts = [
        _queries(
            client,
            reverse(
                "mentorship:round_progress", args=[_confirmed_round(co_lead, n).pk]
            ),
        )
        for n in (10, 300)
    ]
    assert counts[0] == counts[1] <= 6


# --- Nowhere a timed refresh ---------------------------------------------------------


def test_no_template_or_view_refreshes_the_page_on_a_timer():
    """WCAG 2.2.1: long work updates a small region, never the whole page."""
    meta = re.compile(r"http-equiv\s*=\s*[\"']?refresh", re.IGNORECASE)
    found = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "templates").rglob("*.html")
        if meta.search(path.read_text(encoding="utf-8"))
    ]
    # response["Refresh"] = …, headers={"Refresh": …}
    header = re.compile(r"\[\s*[\"']Refresh[\"']\s*\]\s*=|[\"']Refresh[\"']\s*:")
    skip = {".venv", "node_modules", "staticfiles", ".git"}
    for path in ROOT.rglob("*.py"):
        if skip & set(path.relative_to(ROOT).parts) or path == Path(__file__):
            continue
        if header.search(path.read_text(encoding="utf-8")):
            found.append(str(path.relative_to(ROOT)))
    assert not found, f"timed refresh in {found}"
