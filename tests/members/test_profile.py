"""Editing a profile: clear field errors that keep what was typed."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.utils import ProgrammingError
from django.urls import reverse
from django.utils import timezone

from members.models import AuditEntry, LeadershipRole, Member
from tests.conftest import client_for, page_text

pytestmark = pytest.mark.django_db


def _profile_post(client, **fields):
    data = {"first_name": "Ana", "last_name": "Silva", "interests": "global health"}
    data.update(fields)
    return client.post(reverse("members:profile_edit"), data)


def test_completion_before_start_is_a_field_error_and_input_is_kept(resident):
    response = _profile_post(
        client_for(resident),
        training_start="2026-07-01",
        expected_completion="2025-06-30",
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["expected_completion"] == [
        "Completion must come after the training start."
    ]
    assert 'value="global health"' in response.content.decode()


def test_training_start_fifty_years_ago_is_a_field_error(resident):
    long_ago = timezone.localdate() - timedelta(days=365 * 50)
    response = _profile_post(client_for(resident), training_start=long_ago.isoformat())
    assert (
        "more than 15 years ago" in response.context["form"].errors["training_start"][0]
    )


def test_a_10_mb_bio_is_a_field_error_not_a_crash(resident):
    response = _profile_post(client_for(resident), bio="x" * (10 * 1024 * 1024))
    assert response.status_code == 200
    assert "at most 2000 characters" in response.context["form"].errors["bio"][0]


def test_other_visa_needs_a_description(resident):
    response = _profile_post(client_for(resident), visa_status="other")
    assert response.context["form"].errors["visa_other"] == [
        "Say which status, since you chose Other."
    ]


def test_saving_a_profile_records_the_change_with_personal_values_masked(resident):
    response = _profile_post(
        client_for(resident),
        visa_status="h1b",
        languages=["en", "pt"],
        pronouns="she/her",
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.languages == ["en", "pt"]
    entry = resident.audit_entries.get(action=AuditEntry.Action.PROFILE)
    assert entry.changes["visa_status"] == ["(hidden)", "(hidden)"]
    assert entry.changes["pronouns"] == ["(hidden)", "(hidden)"]
    assert entry.changes["languages"] == ["(hidden)", "(hidden)"]
    assert "J-1" not in str(entry.changes) and "h1b" not in str(entry.changes)


def test_leadership_portfolio_add_and_export_for_a_cv(resident):
    client = client_for(resident)
    response = client.post(
        reverse("members:leadership_add"),
        {
            "kind": "wellness",
            "title": "PGY-2 representative",
            "start": "2025-07-01",
            "outcome": "=Ran peer support; participation up 40%",
        },
    )
    assert response.status_code == 302
    csv_text = client.get(reverse("members:leadership_csv")).content.decode()
    assert "Wellness council,PGY-2 representative,2025-07-01,ongoing" in csv_text
    assert "'=Ran peer support" in csv_text  # neutralised for spreadsheets


def test_leadership_end_before_start_is_refused(resident):
    response = client_for(resident).post(
        reverse("members:leadership_add"),
        {"kind": "dei", "start": "2025-07-01", "end": "2024-07-01"},
    )
    assert response.status_code == 200
    assert "The end can't come before the start." in page_text(response)
    assert not LeadershipRole.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"), [("start", "0001-07-01"), ("end", "9999-06-30")]
)
def test_leadership_dates_in_year_1_or_9999_are_refused_beside_the_field(
    resident, field, value
):
    data = {"kind": "dei", "start": "2025-07-01", field: value}
    response = client_for(resident).post(reverse("members:leadership_add"), data)
    assert response.status_code == 200
    last = timezone.localdate().year + 5
    assert response.context["form"].errors[field] == [
        f"Choose a date between 1950 and {last}."
    ]
    assert f'value="{value}"' in page_text(response)
    assert not LeadershipRole.objects.exists()


def test_nobody_can_change_or_delete_audit_entries(resident):
    entry = AuditEntry.objects.create(member=resident, action="profile")
    for statement in (
        "UPDATE members_auditentry SET action = 'x' WHERE id = %s",
        "DELETE FROM members_auditentry WHERE id = %s",
    ):
        with pytest.raises(ProgrammingError, match="cannot be changed or deleted"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement, [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk, action="profile").exists()


def test_audit_entries_show_on_the_member_page_to_co_leads_only(co_lead, resident):
    _profile_post(client_for(resident), pronouns="she/her")
    co_lead_page = client_for(co_lead).get(resident.get_absolute_url())
    assert "Changes to this member" in co_lead_page.content.decode()
    other = Member.objects.exclude(pk=resident.pk).first()
    own_view = client_for(resident).get(other.get_absolute_url())
    assert "Changes to this member" not in own_view.content.decode()
