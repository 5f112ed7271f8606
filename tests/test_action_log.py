"""Every action has an actor (issue 17 item 6).

Services that act for someone (they take `by`) write an `ActionLog` row; the
object's page shows who did what to those who manage it, and nobody else."""

import ast
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from events import attendance as events_attendance
from events import services as event_services
from events.models import Event
from handbook import services as handbook_services
from imgportal.personal_data import erase_all, export_all
from members.actions import record
from members.models import ActionLog, Role
from mentorship import services as mentorship_services
from mentorship.models import MentorProfile, MentorshipRequest
from newsletters import services as newsletter_services
from newsletters.models import Newsletter
from tests.conftest import client_for, page_text
from tests.factories import EventFactory, MemberFactory, published_page

ROOT = Path(__file__).resolve().parent.parent
SERVICE_MODULES = [
    "events/services.py",
    "events/rsvps.py",
    "events/attendance.py",
    "handbook/timelines.py",
    "newsletters/services.py",
    "handbook/services.py",
    "handbook/bundles.py",
    "mentorship/services.py",
    "tracker/services.py",
    "notifications/preferences.py",
]
# Services that take `by` and keep it elsewhere, with where.
KEPT_ELSEWHERE = {
    "handbook/services.py:editor_add": "a role change: the member's audit trail",
    "handbook/services.py:editor_remove": "a role change: the member's audit trail",
    "handbook/timelines.py:timeline_save": "the timeline's own change history page",
    "handbook/timelines.py:timeline_delete": "the timeline's own change history page",
    "events/attendance.py:checkin_by_personal_code": "attendance_mark records it",
}


def _services_dropping_by(paths=SERVICE_MODULES) -> list[str]:
    dropping = []
    for relative in paths:
        path = ROOT / relative
        if not path.exists():
            continue
        for node in ast.parse(path.read_text()).body:
            if not isinstance(node, ast.FunctionDef):
                continue
            arguments = [a.arg for a in node.args.kwonlyargs + node.args.args]
            if "by" not in arguments or f"{relative}:{node.name}" in KEPT_ELSEWHERE:
                continue
            calls = {
                n.func.id
                for n in ast.walk(node)
                if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
            }
            if "record" not in calls:
                dropping.append(f"{relative}:{node.name}")
    return dropping


def test_every_service_that_takes_by_records_it():
    assert _services_dropping_by() == []


def test_the_check_finds_a_service_that_drops_by():
    probe = ROOT / "events" / "_by_probe.py"
    probe.write_text("def thing_do(*, thing, by):\n    thing.save()\n")
    try:
        assert _services_dropping_by(["events/_by_probe.py"]) == [
            "events/_by_probe.py:thing_do"
        ]
    finally:
        probe.unlink()


def _log_section(response) -> str:
    text = page_text(response)
    start = text.find('data-testid="action-log"')
    if start < 0:
        return ""
    html = text[start : text.find("</section>", start)]
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.django_db
def test_an_events_publish_change_and_cancel_show_who_did_them(
    co_lead, gme_staff, resident
):
    event = EventFactory(status="draft")
    event_services.event_publish(event=event, by=co_lead.user)
    event.refresh_from_db()
    event.place = "Room 4B"
    event_services.event_save(event=event, by=gme_staff.user)
    event_services.event_save(event=event, by=gme_staff.user)  # unchanged
    event_services.event_cancel(event=event, by=gme_staff.user)
    log = list(ActionLog.objects.filter(target_id=event.pk).order_by("pk"))
    assert [(a.verb, a.actor) for a in log if a.target_type.model == "event"] == [
        ("published", co_lead.user),
        ("changed", gme_staff.user),
        ("cancelled", gme_staff.user),
    ]
    section = _log_section(client_for(gme_staff).get(event.get_absolute_url()))
    assert "Published" in section and co_lead.user.get_full_name() in section
    assert "Changed · changed place" in section
    assert "Cancelled" in section
    assert _log_section(client_for(resident).get(event.get_absolute_url())) == ""


@pytest.mark.django_db
def test_check_ins_name_the_organiser_and_the_member(gme_staff, resident):
    event = EventFactory(starts_at=timezone.now() - timedelta(minutes=10))
    events_attendance.attendance_mark(event=event, member=resident, by=gme_staff.user)
    events_attendance.attendance_mark(event=event, member=resident, by=gme_staff.user)
    events_attendance.attendance_unmark(event=event, member=resident, by=gme_staff.user)
    assert list(
        ActionLog.objects.filter(target_id=event.pk)
        .order_by("pk")
        .values_list("verb", flat=True)
    ) == ["checked_in", "check_in_undone"]
    section = _log_section(client_for(gme_staff).get(event.get_absolute_url()))
    assert f"member {resident.full_name}" in section


@pytest.mark.django_db
def test_a_newsletters_schedule_and_cancel_are_on_its_page(co_lead, resident):
    newsletter = newsletter_services.newsletter_save(
        newsletter=Newsletter(subject="Hello", body="Text"), by=co_lead.user
    )
    when = timezone.now() + timedelta(days=2)
    newsletter_services.newsletter_schedule(
        newsletter=newsletter, when=when, by=co_lead.user
    )
    newsletter_services.newsletter_cancel(newsletter=newsletter, by=co_lead.user)
    section = _log_section(
        client_for(co_lead).get(
            reverse("newsletters:manage_detail", args=[newsletter.pk])
        )
    )
    assert "Created" in section
    assert f"Scheduled · for {timezone.localtime(when):%-d %b %Y, %H:%M}" in section
    assert "Cancelled" in section


@pytest.mark.django_db
def test_handbook_publish_and_verify_are_on_the_page_history(co_lead, handbook_editor):
    page = published_page(by=co_lead.user)
    handbook_services.page_mark_verified(page=page, by=handbook_editor.user)
    url = reverse("handbook:page_history", args=[page.chapter.slug, page.slug])
    section = _log_section(client_for(handbook_editor).get(url))
    assert "Published · revision 1" in section
    assert "Marked as verified" in section
    assert handbook_editor.user.get_full_name() in section


@pytest.mark.django_db
def test_a_round_run_and_confirm_are_on_the_round_page(co_lead):
    mentee = MemberFactory()
    MentorshipRequest.objects.create(mentee=mentee, types=["career"], goals="Goals")
    MentorProfile.objects.create(
        member=MemberFactory(roles=[Role.RESIDENT, Role.MENTOR]),
        types=["career"],
        capacity=2,
    )
    matching_round = mentorship_services.round_run(by=co_lead.user)
    mentorship_services.round_confirm(matching_round=matching_round, by=co_lead.user)
    section = _log_section(client_for(co_lead).get(matching_round.get_absolute_url()))
    assert "Ran a matching round · proposals 1" in section
    assert "Confirmed · matches 1; mentors 1; skipped 0" in section


@pytest.mark.django_db
def test_the_log_refuses_free_text():
    with pytest.raises(ValueError):
        record(actor=None, verb="changed", target=Event(pk=1), note="x" * 200)


@pytest.mark.django_db
def test_the_event_page_reads_the_log_in_the_same_queries_however_long(gme_staff):
    event = EventFactory()
    client = client_for(gme_staff)
    url = event.get_absolute_url()

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    def check_in_some(count: int):
        for member in MemberFactory.create_batch(count):
            record(actor=gme_staff, verb="checked_in", target=event, member=member.pk)

    check_in_some(2)
    queries()  # the first request also caches the viewer's permissions
    few = queries()
    check_in_some(20)
    assert queries() == few


@pytest.mark.django_db
def test_erasing_a_member_keeps_what_they_did_but_not_who(co_lead):
    event = EventFactory(status="draft")
    event_services.event_publish(event=event, by=co_lead.user)
    exported = export_all(co_lead)
    assert "published" in [a["verb"] for a in exported["actions_you_took"]]
    erase_all(co_lead)
    entry = ActionLog.objects.get(target_id=event.pk, verb="published")
    assert entry.actor is None
