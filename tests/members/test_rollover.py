"""Academic-year rollover: preview, apply once, undo; the June proposal email."""

from datetime import date

import pytest
from django.core import mail
from django.urls import reverse

from members.models import AuditEntry, Member, RolloverRun
from members.services import rollover_propose
from tests.conftest import client_for, page_text
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_the_2030_window(monkeypatch):
    """The 2030 rollover is due from 20 June 2030."""
    monkeypatch.setattr("members.services.rollover_today", lambda: date(2030, 6, 25))


@pytest.fixture
def cohort():
    return {
        "intern": MemberFactory(training_stage="pgy1"),
        "finishing": MemberFactory(
            training_stage="pgy3", expected_completion=date(2030, 6, 30)
        ),
        "fellow": MemberFactory(training_stage="fellow"),
        "waiting": MemberFactory(training_stage="pgy1", status="pending"),
    }


def test_preview_shows_who_moves_and_writes_nothing(co_lead, cohort):
    page = client_for(co_lead).get(reverse("members:rollover"), {"academic_year": 2030})
    text = page_text(page)
    assert "would change; 1 would become alumni" in text
    cohort["intern"].refresh_from_db()
    assert cohort["intern"].training_stage == "pgy1"


def test_apply_moves_everyone_once_and_audits(co_lead, cohort):
    client = client_for(co_lead)
    client.post(reverse("members:rollover"), {"academic_year": 2030})
    for member in cohort.values():
        member.refresh_from_db()
    assert cohort["intern"].training_stage == "pgy2"
    assert (cohort["finishing"].status, cohort["finishing"].training_stage) == (
        "alumni",
        "alumni",
    )
    assert cohort["fellow"].training_stage == "fellow"
    assert cohort["waiting"].training_stage == "pgy1"
    assert (
        cohort["intern"]
        .audit_entries.filter(action=AuditEntry.Action.ROLLOVER)
        .exists()
    )
    again = client.post(
        reverse("members:rollover"), {"academic_year": 2030}, follow=True
    )
    assert "already applied" in page_text(again)
    cohort["intern"].refresh_from_db()
    assert cohort["intern"].training_stage == "pgy2"


def test_undo_puts_back_what_was_not_edited_since(co_lead, cohort):
    client = client_for(co_lead)
    client.post(reverse("members:rollover"), {"academic_year": 2030})
    edited = cohort["finishing"]
    edited.refresh_from_db()
    edited.status = "active"
    edited.training_stage = "pgy4"  # a co-lead corrected it after the rollover
    edited.save()
    run = RolloverRun.objects.get()
    client.post(reverse("members:rollover_undo", args=[run.pk]))
    cohort["intern"].refresh_from_db()
    edited.refresh_from_db()
    assert cohort["intern"].training_stage == "pgy1"
    assert edited.training_stage == "pgy4"
    run.refresh_from_db()
    assert run.undone_at is not None
    # After an undo the year can be rolled over again.
    client.post(reverse("members:rollover"), {"academic_year": 2030})
    assert RolloverRun.objects.filter(undone_at__isnull=True).count() == 1


def test_residents_cannot_roll_over(resident, cohort):
    response = client_for(resident).post(
        reverse("members:rollover"), {"academic_year": 2030}
    )
    assert response.status_code == 403
    assert not RolloverRun.objects.exists()


def test_june_proposal_emails_each_co_lead_once(
    co_lead, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert rollover_propose(academic_year=2030) == 1
        rollover_propose(academic_year=2030)  # beat fired twice
    assert len(mail.outbox) == 1
    assert "rollover" in mail.outbox[0].subject
    assert "/members/manage/rollover/?academic_year=2030" in mail.outbox[0].body


def test_no_proposal_once_the_year_was_rolled_over(co_lead):
    RolloverRun.objects.create(
        academic_year=2030, effective_on=date(2030, 7, 1), applied_by=co_lead.user
    )
    assert rollover_propose(academic_year=2030) == 0
    assert Member.objects.exists()


@pytest.mark.parametrize(
    ("today", "message"),
    [
        (date(2030, 6, 19), "opens on 20 June 2030"),
        (date(2029, 12, 1), "opens on 20 June 2030"),
        (date(2031, 6, 20), "is past: the one due is 2031–32"),
    ],
)
def test_a_rollover_outside_its_window_is_refused_with_a_message(
    co_lead, cohort, monkeypatch, today, message
):
    monkeypatch.setattr("members.services.rollover_today", lambda: today)
    response = client_for(co_lead).post(
        reverse("members:rollover"), {"academic_year": 2030}, follow=True
    )
    assert message in page_text(response)
    assert not RolloverRun.objects.exists()
    cohort["intern"].refresh_from_db()
    assert cohort["intern"].training_stage == "pgy1"
    # The preview still works, before the window opens.
    preview = client_for(co_lead).get(
        reverse("members:rollover"), {"academic_year": 2030}
    )
    assert "would change" in page_text(preview)


def test_the_window_opens_on_the_day_of_the_june_proposal():
    from members import rules

    assert rules.rollover_due_year(date(2030, 6, 19)) == 2029
    assert rules.rollover_due_year(date(2030, 6, 20)) == 2030
    assert rules.rollover_refusal(2030, date(2030, 6, 20)) is None
    assert rules.rollover_refusal(2030, date(2031, 6, 19)) is None
