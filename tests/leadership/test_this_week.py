"""The home page and the weekly digest show what needs the member soon: saved
openings closing this week, contacts' follow-ups due, empty seats on their
board of mentors (issue 21 item 7) — each member their own, nobody else's."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from contacts.models import Contact
from leadership import services
from leadership.models import Opening
from notifications import digest
from tests.conftest import client_for, page_text

pytestmark = pytest.mark.django_db


def _opening(days: int, title: str) -> Opening:
    return Opening.objects.create(
        title=title,
        kind=Opening.Kind.COMMITTEE,
        how_to_apply="Email the chair.",
        contact="Dr Chair",
        deadline=timezone.localdate() + timedelta(days=days),
    )


def test_home_lists_my_closing_openings_follow_ups_and_empty_seats(resident, mentor):
    today = timezone.localdate()
    services.shortlist_save(member=resident, opening=_opening(3, "Wellness council"))
    services.shortlist_save(member=resident, opening=_opening(30, "Far committee"))
    services.shortlist_save(member=mentor, opening=_opening(2, "Mentor's pick"))
    Contact.objects.create(member=resident, name="Dr Okafor", follow_up_on=today)
    Contact.objects.create(
        member=resident, name="Dr Later", follow_up_on=today + timedelta(days=9)
    )
    Contact.objects.create(member=mentor, name="Dr Hidden", follow_up_on=today)
    page = page_text(client_for(resident).get(reverse("home")))
    assert "Coming up for you" in page
    assert "Wellness council" in page and "Far committee" not in page
    assert "Mentor's pick" not in page
    assert "Dr Okafor" in page and "Dr Later" not in page and "Dr Hidden" not in page
    assert "Empty seats on your board of mentors" in page


def test_the_digest_carries_each_members_own_sections_only(
    resident, mentor, django_capture_on_commit_callbacks
):
    services.shortlist_save(member=resident, opening=_opening(3, "Wellness council"))
    Opening.objects.update(created_at=timezone.now() - timedelta(days=30))
    Contact.objects.create(
        member=mentor, name="Dr Due", follow_up_on=timezone.localdate()
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        digest.weekly_digest_send(now=timezone.now())
    mine = next(m for m in mail.outbox if m.to == [resident.user.email])
    assert "Your shortlist: closing this week" in mine.body
    assert "Wellness council" in mine.body
    assert "Your board of mentors" in mine.body
    assert "Your follow-ups" not in mine.body  # nothing due
    (theirs,) = [m for m in mail.outbox if m.to == [mentor.user.email]]
    assert "Wellness council" not in theirs.body
    assert "Your follow-ups" in theirs.body and "Dr Due" in theirs.body
    assert "Dr Due" not in mine.body
