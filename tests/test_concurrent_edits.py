"""No concurrent edit is lost (issue 16 item 8). Each test interleaves two
transactions the way two people do: one loads a row (as a form's POST does),
the other commits a change, then the first saves."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from members.models import Role
from mentorship import services as mentorship_services
from mentorship.models import Match, MentorProfile, MentorshipRequest
from newsletters import services
from newsletters.models import Newsletter
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_a_save_after_someone_pressed_send_now_is_refused_and_changes_nothing(
    co_lead,
):
    MemberFactory()
    draft = services.newsletter_save(
        newsletter=Newsletter(subject="March news", body="Original text"),
        by=co_lead.user,
    )
    editing = Newsletter.objects.get(pk=draft.pk)  # the editor's form loads it
    services.newsletter_send_now(
        newsletter=Newsletter.objects.get(pk=draft.pk), by=co_lead.user
    )  # a colleague presses "send now", committed
    editing.body = "Changed while it was being sent"
    with pytest.raises(ValidationError, match="someone sent or cancelled it"):
        services.newsletter_save(newsletter=editing, by=co_lead.user)
    sent = Newsletter.objects.get(pk=draft.pk)
    assert sent.status != Newsletter.Status.DRAFT
    assert sent.body == "Original text"


def test_a_save_keeps_a_schedule_set_meanwhile(co_lead):
    """The editor's form loaded a draft; a colleague schedules it; the
    editor's save changes the text and leaves the schedule as it is."""
    from datetime import timedelta

    from django.utils import timezone

    MemberFactory()
    draft = services.newsletter_save(
        newsletter=Newsletter(subject="March news", body="Text"), by=co_lead.user
    )
    editing = Newsletter.objects.get(pk=draft.pk)
    when = timezone.now() + timedelta(days=2)
    services.newsletter_schedule(
        newsletter=Newsletter.objects.get(pk=draft.pk), when=when, by=co_lead.user
    )
    editing.body = "Better text"
    services.newsletter_save(newsletter=editing, by=co_lead.user)
    saved = Newsletter.objects.get(pk=draft.pk)
    assert saved.body == "Better text"
    assert (saved.status, saved.scheduled_for) == (Newsletter.Status.SCHEDULED, when)


def _round_with_two_mentees(co_lead, capacity=2):
    profile = MentorProfile.objects.create(
        member=MemberFactory(roles=[Role.RESIDENT, Role.MENTOR]),
        types=["career"],
        capacity=capacity,
    )
    for _ in range(2):
        MentorshipRequest.objects.create(
            mentee=MemberFactory(), types=["career"], goals="CV"
        )
    return profile, mentorship_services.round_run(by=co_lead.user)


def test_a_capacity_lowered_after_the_round_ran_is_respected_at_confirm(co_lead):
    profile, matching_round = _round_with_two_mentees(co_lead)
    assert matching_round.proposals.count() == 2
    mine = MentorProfile.objects.get(pk=profile.pk)
    mine.capacity = 1
    mentorship_services.mentor_profile_save(profile=mine)
    done = mentorship_services.round_confirm(
        matching_round=matching_round, by=co_lead.user
    )
    assert (done.pairs, done.skipped) == (1, 1)
    assert Match.objects.filter(mentor=profile).count() == 1
    assert MentorProfile.objects.get(pk=profile.pk).capacity == 1


@pytest.mark.django_db(transaction=True)
def test_a_pause_saved_while_a_round_is_confirmed_is_not_lost(reference_data, co_lead):
    """The mentor saves "not accepting" while the confirm holds the mentors'
    rows: the save waits for the confirm, then lands; nothing overwrites it."""
    profile, matching_round = _round_with_two_mentees(co_lead)
    stale = MentorProfile.objects.get(pk=profile.pk)  # the mentor's form
    confirm_has_lock, save_started = threading.Event(), threading.Event()
    errors = []

    def mentor_saves():
        try:
            confirm_has_lock.wait(10)
            save_started.set()
            stale.accepting = False
            mentorship_services.mentor_profile_save(profile=stale)
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=mentor_saves)
    thread.start()
    with transaction.atomic():
        list(MentorProfile.objects.select_for_update().filter(pk=profile.pk))
        confirm_has_lock.set()
        save_started.wait(10)
        done = mentorship_services.round_confirm(
            matching_round=matching_round, by=co_lead.user
        )
    thread.join(10)
    assert not errors
    assert done.pairs == 2  # confirmed before the pause
    profile.refresh_from_db()
    assert profile.accepting is False  # and the pause landed after it
