"""Defects a review found in issue 21's first version, each pinned by a test
that failed before its fix."""

from datetime import date, timedelta
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from contacts import services as contact_services
from contacts.models import Contact
from leadership import hooks, selectors, services
from leadership.models import Opening
from notifications.models import OutboundEmail
from tests.conftest import client_for, page_text
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _opening(**extra) -> Opening:
    return Opening.objects.create(
        **{
            "title": "Chief resident seat",
            "kind": Opening.Kind.CHIEF,
            "how_to_apply": "Letter to the PD.",
            "contact": "Dr Lee",
            "deadline": timezone.localdate() + timedelta(days=3),
            **extra,
        }
    )


def _edit_data(opening) -> dict:
    return {
        "title": opening.title + " (edited)",
        "kind": opening.kind,
        "program": "",
        "pgy_min": "",
        "pgy_max": "",
        "visa_limit": "ask",
        "how_to_apply": opening.how_to_apply,
        "contact": opening.contact,
        "deadline": opening.deadline.isoformat(),
    }


def test_an_opening_whose_poster_was_erased_can_still_be_edited(co_lead):
    poster = MemberFactory()
    opening = _opening(posted_by=poster.user)
    hooks.erase(poster)
    response = client_for(co_lead).post(
        reverse("leadership:edit", args=[opening.pk]), _edit_data(opening)
    )
    assert response.status_code == 302
    opening.refresh_from_db()
    assert opening.title.endswith("(edited)")


def test_editing_a_suggestion_says_saved_and_returns_to_the_suggestions(co_lead):
    opening = _opening(status=Opening.Status.SUGGESTED)
    response = client_for(co_lead).post(
        reverse("leadership:edit", args=[opening.pk]), _edit_data(opening), follow=True
    )
    page = page_text(response)
    assert "Thanks: a co-lead checks" not in page
    assert "Saved" in page
    assert response.redirect_chain[-1][0] == reverse("leadership:suggestions")


def test_a_nul_in_a_tag_is_a_field_error_not_a_500(resident):
    response = client_for(resident).post(
        reverse("contacts:create"), {"name": "Dr A", "tags": "a\x00b"}
    )
    assert "Null characters are not allowed" in page_text(response)
    assert not Contact.objects.exists()


def test_a_follow_up_checked_on_29_february_works():
    with mock.patch("django.utils.timezone.localdate", return_value=date(2028, 2, 29)):
        contact_services.contact_check(
            last_contact_on=None, follow_up_on=date(2028, 3, 1), tags=[]
        )


def test_reminder_subjects_name_neither_the_contact_nor_the_opening(
    resident, django_capture_on_commit_callbacks
):
    opening = _opening()
    services.shortlist_save(member=resident, opening=opening)
    Contact.objects.create(
        member=resident, name="Dr Secret Person", follow_up_on=timezone.localdate()
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.deadline_reminders_send()
        contact_services.follow_ups_send()
    subjects = list(OutboundEmail.objects.values_list("subject", flat=True))
    assert len(subjects) == 2
    assert all("Dr Secret Person" not in s and opening.title not in s for s in subjects)
    # The bodies, which the admin never shows, still say what it is about.
    bodies = " ".join(m.body for m in mail.outbox)
    assert "Dr Secret Person" in bodies and opening.title in bodies


def test_a_suggestion_approved_late_is_in_that_weeks_digest(co_lead):
    opening = _opening(status=Opening.Status.SUGGESTED)
    Opening.objects.filter(pk=opening.pk).update(
        created_at=timezone.now() - timedelta(days=30)
    )
    services.opening_decide(opening=opening, approve=True, by=co_lead.user)
    since = timezone.now() - timedelta(days=7)
    _title, lines = selectors.digest_openings(since)
    assert any(opening.title in line for line in lines)


def test_i_got_it_is_offered_only_on_posted_openings(co_lead):
    opening = _opening(status=Opening.Status.SUGGESTED)
    client = client_for(co_lead)
    assert "I got this role" not in page_text(client.get(opening.get_absolute_url()))
    response = client.post(
        reverse("leadership:got_it", args=[opening.pk]),
        {"start": timezone.localdate().isoformat()},
    )
    assert response.status_code == 404


def test_logging_a_contact_today_settles_an_overdue_follow_up(resident):
    today = timezone.localdate()
    overdue = Contact.objects.create(
        member=resident, name="Dr Overdue", follow_up_on=today - timedelta(days=2)
    )
    later = Contact.objects.create(
        member=resident, name="Dr Later", follow_up_on=today + timedelta(days=9)
    )
    for contact in (overdue, later):
        contact_services.contact_logged_today(contact=contact)
    overdue.refresh_from_db()
    later.refresh_from_db()
    assert overdue.follow_up_on is None and overdue.last_contact_on == today
    assert later.follow_up_on == today + timedelta(days=9)
