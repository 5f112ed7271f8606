"""Matching rounds say what will really happen: a round is named by the portal's
local date, and the confirm page of a round that went stale counts only the
pairs that confirming will create, naming the skipped ones and why."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.models import Role
from mentorship import services
from mentorship.models import (
    BarredPair,
    Match,
    MatchingRound,
    MentorProfile,
    MentorshipRequest,
)
from notifications.models import OutboundEmail
from tests.conftest import client_for, confirm_fingerprint, page_text
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _mentor(name: str, **fields) -> MentorProfile:
    first, last = name.split()
    return MentorProfile.objects.create(
        member=MemberFactory(
            roles=[Role.RESIDENT, Role.MENTOR],
            user__first_name=first,
            user__last_name=last,
        ),
        types=fields.pop("types", ["career"]),
        capacity=fields.pop("capacity", 1),
        **fields,
    )


def _request(name: str, types=("career",), **member_fields) -> MentorshipRequest:
    first, last = name.split()
    return MentorshipRequest.objects.create(
        mentee=MemberFactory(
            user__first_name=first, user__last_name=last, **member_fields
        ),
        types=list(types),
        goals="Fellowship",
    )


def _proposed_to(matching_round, mentor: MentorProfile) -> MentorshipRequest:
    return matching_round.proposals.get(mentor=mentor).request


# --- 1. A round's name uses the local date ---------------------------------------


def test_a_round_is_named_by_the_portal_local_date(co_lead):
    """A round run at 20:00 in Chicago (02:00 UTC the next day) is named with
    the Chicago date, on the list of rounds and on the round's page."""
    assert settings.TIME_ZONE == "America/Chicago"
    utc_instant = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)
    assert utc_instant.astimezone(ZoneInfo(settings.TIME_ZONE)).day == 7
    matching_round = MatchingRound.objects.create(
        created_by=co_lead.user, created_at=utc_instant
    )
    client = client_for(co_lead)
    for url in (reverse("mentorship:rounds"), matching_round.get_absolute_url()):
        text = page_text(client.get(url))
        assert "Round of 7 Dec 2026" in text
        assert "8 Dec 2026" not in text


# --- 2. The confirm page counts what will happen ---------------------------------


def _stale_round(co_lead):
    """Five pairs proposed, one mentor each; then four go stale in four ways."""
    fine = _mentor("Fay Fine")
    full = _mentor("Flo Full")
    paused = _mentor("Pat Paused")
    declining = _mentor("Dee Declines")
    other = _mentor("Oz Other")
    MentorProfile.objects.filter(pk=fine.pk).update(visa_paths=["h1b"])
    for name in ("Amal Ok", "Ben Full", "Cy Paused", "Dov Declined", "Eli Taken"):
        _request(name, visa_status="h1b")
    matching_round = services.round_run(by=co_lead.user)
    assert matching_round.proposals.count() == 5
    # Flo's only seat is taken by a mentee who asked her directly.
    services.match_ask_directly(request=_request("Wal Kin"), mentor=full, kind="career")
    # Pat pauses new mentees.
    MentorProfile.objects.filter(pk=paused.pk).update(accepting=False)
    # Dee said no to Dee's mentee once before (for another kind).
    declined = _proposed_to(matching_round, declining)
    Match.objects.create(
        request=declined,
        mentor=declining,
        kind="research",
        state=Match.State.DECLINED,
    )
    # Oz's mentee found a career mentor directly meanwhile.
    taken = _proposed_to(matching_round, other)
    services.match_ask_directly(
        request=taken, mentor=_mentor("Hal Helper"), kind="career"
    )
    return (
        matching_round,
        fine,
        {
            "full": _proposed_to(matching_round, full).mentee,
            "paused": _proposed_to(matching_round, paused).mentee,
            "declined": declined.mentee,
            "taken": taken.mentee,
        },
    )


def test_the_confirm_page_counts_only_the_pairs_that_will_be_created(
    co_lead, django_capture_on_commit_callbacks
):
    """Of five kept pairs, one can still be proposed: the page says 1 pair,
    1 mentor, and names the four skipped with their reason; confirming
    creates exactly that and emails exactly that mentor."""
    matching_round, fine, mentee = _stale_round(co_lead)
    client = client_for(co_lead)
    url = matching_round.get_absolute_url()
    first = client.post(url, {"confirm": "1"})
    text = page_text(first)
    assert "1 pair will be proposed." in text
    assert "1 different mentor will be emailed" in text
    assert "Confirm and email 1 mentor" in text
    assert "4 kept pairs will be skipped:" in text
    assert f"{mentee['full']}'s mentor, Flo Full, has no free seat left." in text
    assert f"{mentee['paused']}'s mentor, Pat Paused, paused new mentees." in text
    assert f"Dee Declines said no to {mentee['declined']} before." in text
    assert (
        f"{mentee['taken']} already has a Career (in the specialty) mentor "
        "(or a proposal) since the round ran." in text
    )
    assert "H-1B" not in text  # the confirm page never shows visa status
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {"confirm": "1", "confirm_fingerprint": confirm_fingerprint(first)},
            follow=True,
        )
    assert "Confirmed: 1 pair, 1 different mentor asked." in page_text(response)
    made = Match.objects.get(round=matching_round)
    assert made.mentor == fine
    asked = OutboundEmail.objects.filter(
        idempotency_key__startswith="mentorship-proposed:",
        to=fine.member.user.email,
    )
    assert asked.count() == 1


def test_the_round_page_marks_the_pairs_confirming_would_skip(co_lead):
    """Before confirming, the round's page says which kept pairs would be
    skipped now and why, so a co-lead can swap them first."""
    matching_round, _, _ = _stale_round(co_lead)
    text = page_text(client_for(co_lead).get(matching_round.get_absolute_url()))
    assert text.count("Skipped if confirmed now:") == 4
    assert "Skipped if confirmed now: no free seat" in text
    assert "Skipped if confirmed now: paused" in text


def test_a_mentor_pausing_after_the_confirm_page_shows_it_again(co_lead):
    """No proposal changed, but a mentor paused between the confirm page and
    the button: the page comes back with the new numbers and nothing is sent."""
    ana = _mentor("Ana Ruiz")
    bo = _mentor("Bo Chen")
    _request("Cy One")
    _request("Di Two")
    matching_round = services.round_run(by=co_lead.user)
    client = client_for(co_lead)
    url = matching_round.get_absolute_url()
    first = client.post(url, {"confirm": "1"})
    assert "2 pairs will be proposed." in page_text(first)
    MentorProfile.objects.filter(pk=bo.pk).update(accepting=False)
    again = client.post(
        url, {"confirm": "1", "confirm_fingerprint": confirm_fingerprint(first)}
    )
    assert again.status_code == 409
    text = page_text(again)
    assert "1 pair will be proposed." in text
    assert "1 kept pair will be skipped:" in text
    assert "Bo Chen, paused new mentees." in text
    assert not Match.objects.exists()
    client.post(
        url, {"confirm": "1", "confirm_fingerprint": confirm_fingerprint(again)}
    )
    assert list(Match.objects.values_list("mentor", flat=True)) == [ana.pk]


def test_when_every_pair_would_be_skipped_confirming_only_closes_the_round(co_lead):
    """Nothing can be proposed any more: the page says so plainly; confirming
    closes the round and emails nobody."""
    ana = _mentor("Ana Ruiz")
    wanted = _request("Cy One")
    matching_round = services.round_run(by=co_lead.user)
    BarredPair.objects.create(mentor=ana.member, mentee=wanted.mentee, by=co_lead.user)
    client = client_for(co_lead)
    url = matching_round.get_absolute_url()
    first = client.post(url, {"confirm": "1"})
    text = page_text(first)
    assert "No pair will be proposed: confirming only closes this round" in text
    assert "The co-leads keep Ana Ruiz and Cy One apart." in text
    assert "Close the round without emailing anyone" in text
    assert "without asking anyone?" in text
    response = client.post(
        url,
        {"confirm": "1", "confirm_fingerprint": confirm_fingerprint(first)},
        follow=True,
    )
    assert "Confirmed: 0 pairs, 0 different mentors asked." in page_text(response)
    matching_round.refresh_from_db()
    assert matching_round.status == MatchingRound.Status.CONFIRMED
    assert not Match.objects.exists()


def test_confirming_refuses_when_the_outcome_changed_under_the_locks(co_lead):
    """The service re-checks, under its locks, the outcome the co-lead saw:
    a pause that landed in between refuses the confirm and creates nothing."""
    _mentor("Ana Ruiz")
    bo = _mentor("Bo Chen")
    _request("Cy One")
    _request("Di Two")
    matching_round = services.round_run(by=co_lead.user)
    seen = services.round_outcome(matching_round)
    assert (len(seen.matches), len(seen.skipped)) == (2, 0)
    MentorProfile.objects.filter(pk=bo.pk).update(accepting=False)
    with pytest.raises(ValidationError):
        services.round_confirm(
            matching_round=matching_round, by=co_lead.user, expected=seen
        )
    matching_round.refresh_from_db()
    assert matching_round.status == MatchingRound.Status.DRAFT
    assert not Match.objects.exists()


def test_a_pause_landing_just_before_the_confirm_locks_shows_the_page_again(
    co_lead, monkeypatch
):
    """The mentor pauses in the instant between the page's check and the
    confirm's locks: the confirm page comes back with the new numbers."""
    _mentor("Ana Ruiz")
    bo = _mentor("Bo Chen")
    _request("Cy One")
    _request("Di Two")
    matching_round = services.round_run(by=co_lead.user)
    real_confirm = services.round_confirm

    def pause_then_confirm(**kwargs):
        MentorProfile.objects.filter(pk=bo.pk).update(accepting=False)
        return real_confirm(**kwargs)

    monkeypatch.setattr(services, "round_confirm", pause_then_confirm)
    client = client_for(co_lead)
    url = matching_round.get_absolute_url()
    first = client.post(url, {"confirm": "1"})
    assert "2 pairs will be proposed." in page_text(first)
    again = client.post(
        url, {"confirm": "1", "confirm_fingerprint": confirm_fingerprint(first)}
    )
    assert again.status_code == 409
    assert "1 pair will be proposed." in page_text(again)
    assert not Match.objects.exists()
    matching_round.refresh_from_db()
    assert matching_round.status == MatchingRound.Status.DRAFT


def test_the_outcome_and_the_confirm_agree_seat_by_seat(co_lead):
    """A mentor with one seat left proposed to two mentees: the first one (by
    request) gets the seat, the second is skipped, both on the page and in
    what confirming creates."""
    ana = _mentor("Ana Ruiz", capacity=2)
    first_request, second_request = _request("Cy One"), _request("Di Two")
    matching_round = services.round_run(by=co_lead.user)
    MentorProfile.objects.filter(pk=ana.pk).update(capacity=1)
    outcome = services.round_outcome(matching_round)
    assert [p.request for p in outcome.matches] == [first_request]
    assert [(s.proposal.request, s.reason) for s in outcome.skipped] == [
        (second_request, "no free seat")
    ]
    done = services.round_confirm(matching_round=matching_round, by=co_lead.user)
    assert (done.pairs, done.mentors, done.skipped) == (1, 1, 1)
    assert Match.objects.get().request == first_request


# --- Query budget -----------------------------------------------------------------


def _queries(co_lead, n: int) -> tuple[int, int]:
    for i in range(n):
        _mentor(f"Men Tor{i}", capacity=1)
        _request(f"Men Tee{i}")
    matching_round = services.round_run(by=co_lead.user)
    proposals = list(matching_round.proposals.order_by("pk"))
    # Some of each kind of stale pair, so every check has rows to find.
    MentorProfile.objects.filter(pk=proposals[0].mentor_id).update(accepting=False)
    BarredPair.objects.create(
        mentor=proposals[1].mentor.member,
        mentee=proposals[1].request.mentee,
        by=co_lead.user,
    )
    client = client_for(co_lead)
    url = matching_round.get_absolute_url()
    client.get(url)  # warm the session and the caches
    with CaptureQueriesContext(connection) as page:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as confirm:
        assert client.post(url, {"confirm": "1"}).status_code == 200
    # Start the next measure from nothing (no mentor or request left over).
    MentorProfile.objects.all().delete()
    MentorshipRequest.objects.all().delete()
    return len(page), len(confirm)


def test_the_round_page_and_its_confirm_page_do_not_query_per_pair(co_lead):
    """The same number of queries for a round of 3 pairs and of 12."""
    small = _queries(co_lead, 3)
    large = _queries(co_lead, 12)
    assert small == large, (small, large)


def test_a_mentor_or_mentee_who_left_since_the_round_ran_is_skipped(co_lead):
    """Graduated or deactivated after the round ran: not asked, and the confirm
    page says why instead of counting them."""
    from members.models import Member

    ana = _mentor("Ana Ruiz")
    bo = _mentor("Bo Chen")
    _request("Cy One")
    _request("Di Two")
    matching_round = services.round_run(by=co_lead.user)
    Member.objects.filter(pk=ana.member_id).update(status=Member.Status.ALUMNI)
    page = page_text(
        client_for(co_lead).post(matching_round.get_absolute_url(), {"confirm": "1"})
    )
    assert "1 pair will be proposed." in page
    assert "Ana Ruiz, is no longer an active member." in page
    mentee = _proposed_to(matching_round, bo).mentee
    Member.objects.filter(pk=mentee.pk).update(status=Member.Status.INACTIVE)
    outcome = services.round_outcome(matching_round)
    assert outcome.matches == ()
    assert {s.reason for s in outcome.skipped} == {"mentor left", "mentee left"}


def test_a_direct_ask_landing_under_the_confirm_is_round_changed_not_a_500(
    co_lead, monkeypatch
):
    """The unique (request, kind) constraint refuses the confirm's insert when
    a direct ask for the same slot committed after the outcome was read."""
    ana = _mentor("Ana Ruiz", capacity=2)
    _request("Cy One")
    matching_round = services.round_run(by=co_lead.user)
    stale = services.round_outcome(matching_round)
    proposal = stale.matches[0]
    Match.objects.create(
        request=proposal.request, mentor=ana, kind=proposal.kind, score=1, reasons=[]
    )
    monkeypatch.setattr(services, "round_outcome", lambda *a, **k: stale)
    with pytest.raises(services.RoundChanged):
        services.round_confirm(matching_round=matching_round, by=co_lead.user)
    matching_round.refresh_from_db()
    assert matching_round.status == MatchingRound.Status.DRAFT


def test_dropping_a_pair_of_a_confirmed_round_is_refused(co_lead):
    _mentor("Ana Ruiz")
    _request("Cy One")
    matching_round = services.round_run(by=co_lead.user)
    proposal = matching_round.proposals.get()
    services.round_confirm(matching_round=matching_round, by=co_lead.user)
    with pytest.raises(ValidationError, match="already confirmed"):
        services.proposal_drop(proposal=proposal, dropped=True)
