"""Every write of mentoring: profiles, requests, matching rounds, and a match's
life from proposal to close. Emails go through the outbox (category
"mentorship notices", so members' choices are respected)."""

import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from imgportal.params import as_id
from members.actions import record
from members.models import Member, User
from mentorship import selectors
from mentorship.matching import optimal_assignment
from mentorship.models import (
    BarredPair,
    CheckIn,
    Match,
    MatchingRound,
    MentorProfile,
    MentorshipRequest,
    MentorType,
    Proposal,
)
from mentorship.scoring import score
from notifications.models import Category
from notifications.outbox import email_queue_template

ANSWER_SALT = "mentorship-answer"
ANSWER_MAX_AGE = timedelta(days=14)
REMIND_AFTER = timedelta(days=7)


# --- Profiles and requests ------------------------------------------------------


def active_count(profile: MentorProfile) -> int:
    return profile.matches.filter(state=Match.State.ACTIVE).count()


@transaction.atomic
def mentor_profile_save(*, profile: MentorProfile) -> MentorProfile:
    """Create or change a mentor profile; capacity never below the active mentees.
    The row is locked first (a round being confirmed holds it too, so the two
    take turns) and only the fields that changed are written."""
    current = None
    if profile.pk:
        current = MentorProfile.objects.select_for_update().get(pk=profile.pk)
        active = active_count(profile)
        if profile.capacity < active:
            raise ValidationError(
                {
                    "capacity": f"You have {active} active mentees: capacity can't be "
                    f"lower. Close a mentorship first, or pause new ones."
                }
            )
    if not profile.types:
        raise ValidationError({"types": "Choose at least one kind of mentoring."})
    profile.full_clean()
    if current is None:
        profile.save()
        return profile
    changed = [
        f.attname
        for f in MentorProfile._meta.concrete_fields
        if not f.primary_key
        and getattr(current, f.attname) != getattr(profile, f.attname)
    ]
    if changed:
        profile.save(update_fields=changed)
    return profile


@transaction.atomic
def request_save(*, request: MentorshipRequest) -> MentorshipRequest:
    if not request.types:
        raise ValidationError({"types": "Choose at least one kind of mentor."})
    request.full_clean(validate_constraints=False)
    if (
        not request.pk
        and MentorshipRequest.objects.filter(
            mentee=request.mentee, status="open"
        ).exists()
    ):
        raise ValidationError("You already have an open request: edit that one.")
    request.save()
    return request


# --- Matching rounds ------------------------------------------------------------


@transaction.atomic
def round_run(*, by: User) -> MatchingRound:
    """Propose the best pairs for every open request at once (nothing is sent
    until a co-lead confirms)."""
    requests = list(selectors.open_requests())
    profiles = selectors.available_mentors()
    started = time.perf_counter()
    assignments = optimal_assignment(
        [selectors.request_facts(r) for r in requests],
        [selectors.mentor_facts(p, free=p.capacity - p.open) for p in profiles],
        barred=selectors.barred_pairs(),
        taken=selectors.taken_slots(),
    )
    seconds = time.perf_counter() - started
    matching_round = MatchingRound.objects.create(
        created_by=by,
        total_score=sum(a.score.points for a in assignments),
        seconds=seconds,
    )
    Proposal.objects.bulk_create(
        Proposal(
            round=matching_round,
            request_id=a.request_id,
            kind=a.kind,
            mentor_id=a.mentor_id,
            score=a.score.points,
            reasons=list(a.score.reasons),
        )
        for a in assignments
    )
    record(actor=by, verb="ran", target=matching_round, proposals=len(assignments))
    return matching_round


def _draft(proposal: Proposal) -> None:
    """Refuse unless the round is a draft, holding its row until the caller's
    transaction ends: a confirm running now waits for this edit or refuses it,
    so no edit is lost under a confirm."""
    status = (
        MatchingRound.objects.select_for_update()
        .filter(pk=proposal.round_id)
        .values_list("status", flat=True)
        .first()
    )
    if status != MatchingRound.Status.DRAFT:
        raise ValidationError("This round is already confirmed.")


@transaction.atomic
def proposal_drop(*, proposal: Proposal, dropped: bool) -> Proposal:
    _draft(proposal)
    proposal.dropped = dropped
    proposal.save(update_fields=["dropped"])
    return proposal


@transaction.atomic
def proposal_swap(*, proposal: Proposal, mentor: MentorProfile) -> Proposal:
    """Put another mentor on this slot (their score and reasons recomputed)."""
    _draft(proposal)
    fit = _fit(mentor, proposal.request, proposal.kind)
    other = (
        proposal.round.proposals.filter(
            request=proposal.request, mentor=mentor, dropped=False
        )
        .exclude(pk=proposal.pk)
        .first()
    )
    if other is not None:
        raise ValidationError(
            f"{mentor} is already proposed to this mentee for "
            f"{other.get_kind_display()}: each kind needs a different mentor."
        )
    in_round = (
        proposal.round.proposals.filter(mentor=mentor, dropped=False)
        .exclude(pk=proposal.pk)
        .count()
    )
    if in_round + _open_count(mentor) >= mentor.capacity:
        raise ValidationError(f"{mentor} has no free seat left in this round.")
    proposal.mentor, proposal.score = mentor, fit.points
    proposal.reasons, proposal.dropped = list(fit.reasons), False
    proposal.save(update_fields=["mentor", "score", "reasons", "dropped"])
    return proposal


def _open_count(profile: MentorProfile) -> int:
    return profile.matches.filter(state__in=Match.OPEN_STATES).count()


def _fit(mentor: MentorProfile, request: MentorshipRequest, kind: str):
    if refusal := selectors.pair_refusal(mentor, request.mentee):
        raise ValidationError(refusal)
    fit = score(selectors.mentor_facts(mentor), selectors.request_facts(request), kind)
    if fit is None:
        raise ValidationError(
            f"{mentor} can't be paired for this: they don't offer it, or it is you."
        )
    return fit


@dataclass(frozen=True)
class Skipped:
    proposal: Proposal
    reason: str  # "paused", "no free seat", "already matched", or a refusal's


@dataclass(frozen=True)
class RoundOutcome:
    """What confirming a round would do now."""

    matches: tuple[Proposal, ...]  # the kept proposals that become matches
    skipped: tuple[Skipped, ...]  # kept ones no longer possible, with why

    @property
    def mentors(self) -> int:
        return len({p.mentor_id for p in self.matches})

    @property
    def facts(self) -> tuple:
        """Everything that makes two outcomes differ (for a confirm step)."""
        return (
            tuple((p.pk, p.mentor_id) for p in self.matches),
            tuple(
                (s.proposal.pk, s.proposal.mentor_id, s.reason) for s in self.skipped
            ),
        )


def round_outcome(matching_round: MatchingRound, *, lock: bool = False) -> RoundOutcome:
    """Which kept proposals confirming turns into matches and which it skips:
    the mentor or mentee is no longer an active member, the mentor paused or
    has no free seat left, the request got an open match of that kind, or the
    pair is refused (selectors.pair_refusals). The first
    requests take a short mentor's seats. Reads only; `lock` also locks the
    mentors' rows (round_confirm). Six queries, however many pairs."""
    kept = list(
        matching_round.proposals.filter(dropped=False)
        .select_related("request__mentee__user", "mentor__member__user")
        .order_by("request__created_at", "kind", "pk")
    )
    if not kept:
        return RoundOutcome(matches=(), skipped=())
    mentors = {p.mentor_id: p.mentor for p in kept}
    profiles = MentorProfile.objects.filter(pk__in=mentors).order_by("pk")
    if lock:
        # In id order, so two confirms can't deadlock: a capacity lowered or a
        # pause saved while a confirm runs waits for it, and is not lost.
        profiles = profiles.select_for_update()
    accepting, free = {}, {}
    for pk, is_accepting, capacity in profiles.values_list(
        "pk", "accepting", "capacity"
    ):
        accepting[pk], free[pk] = is_accepting, capacity
    open_matches = (
        Match.objects.filter(mentor_id__in=mentors, state__in=Match.OPEN_STATES)
        .order_by()
        .values("mentor_id")
        .annotate(n=Count("pk"))
        .values_list("mentor_id", "n")
    )
    for pk, n in open_matches:
        free[pk] -= n
    taken = set(
        Match.objects.filter(
            request_id__in={p.request_id for p in kept},
            state__in=Match.OPEN_STATES,
        ).values_list("request_id", "kind")
    )
    refusals = selectors.pair_refusals(
        list(mentors.values()), {p.request.mentee_id for p in kept}
    )
    matches, skipped = [], []
    for proposal in kept:
        pair = (proposal.mentor_id, proposal.request.mentee_id)
        if proposal.mentor.member.status != Member.Status.ACTIVE:
            reason = "mentor left"  # graduated, deactivated or anonymised since
        elif proposal.request.mentee.status != Member.Status.ACTIVE:
            reason = "mentee left"
        elif not accepting.get(proposal.mentor_id, False):
            reason = "paused"
        elif free[proposal.mentor_id] <= 0:
            reason = "no free seat"
        elif (proposal.request_id, proposal.kind) in taken:
            reason = "already matched"  # filled since the round ran
        elif pair in refusals:
            reason = refusals[pair][0]  # barred, declined or paired meanwhile
        else:
            matches.append(proposal)
            free[proposal.mentor_id] -= 1
            taken.add((proposal.request_id, proposal.kind))
            refusals[pair] = (selectors.ALREADY_THEIR_MENTOR, proposal.kind)
            continue
        skipped.append(Skipped(proposal=proposal, reason=reason))
    return RoundOutcome(matches=tuple(matches), skipped=tuple(skipped))


class RoundChanged(ValidationError):
    """The round's outcome is not the one the co-lead confirmed."""


@dataclass(frozen=True)
class RoundConfirmed:
    pairs: int  # matches created (mentors asked)
    mentors: int  # distinct mentors among them
    skipped: int  # kept proposals no longer possible (filled or paired since)


@transaction.atomic
def round_confirm(
    *,
    matching_round: MatchingRound,
    by: User,
    expected: RoundOutcome | None = None,
) -> RoundConfirmed:
    """Turn the kept proposals round_outcome allows (under the mentors' row
    locks) into matches and ask each mentor; refuse with RoundChanged if that
    is not the `expected` outcome the co-lead was shown. When every kept
    proposal is skipped the round is still confirmed: it closes, no one is
    emailed, and its requests wait for the next round."""
    matching_round = MatchingRound.objects.select_for_update().get(pk=matching_round.pk)
    if matching_round.status != MatchingRound.Status.DRAFT:
        raise ValidationError("This round is already confirmed.")
    outcome = round_outcome(matching_round, lock=True)
    if expected is not None and expected.facts != outcome.facts:
        raise RoundChanged(
            "The pairs changed since you looked: check them and confirm again."
        )
    try:
        with transaction.atomic():
            Match.objects.bulk_create(
                Match(
                    request=proposal.request,
                    mentor=proposal.mentor,
                    kind=proposal.kind,
                    score=proposal.score,
                    reasons=proposal.reasons,
                    round=matching_round,
                )
                for proposal in outcome.matches
            )
    except IntegrityError:  # a direct ask for the same request and kind won
        raise RoundChanged(
            "The pairs changed since you looked: check them and confirm again."
        ) from None
    matching_round.status = MatchingRound.Status.CONFIRMED
    matching_round.confirmed_at = timezone.now()
    matching_round.save(update_fields=["status", "confirmed_at"])
    done = RoundConfirmed(
        pairs=len(outcome.matches),
        mentors=outcome.mentors,
        skipped=len(outcome.skipped),
    )
    record(
        actor=by,
        verb="confirmed",
        target=matching_round,
        matches=done.pairs,
        mentors=done.mentors,
        skipped=done.skipped,
    )
    from mentorship.tasks import round_notify_task

    round_id = matching_round.pk
    transaction.on_commit(lambda: round_notify_task.delay(round_id))
    return done


def round_notify(*, round_id: int) -> int:
    """Ask each mentor of a confirmed round (in Celery: a round may hold hundreds
    of pairs). The outbox key makes a retry queue nothing twice."""
    queued = 0
    for match in Match.objects.filter(
        round_id=round_id, state=Match.State.PROPOSED
    ).select_related("mentor__member__user", "request__mentee"):
        with transaction.atomic():
            _ask_mentor(match)
        queued += 1
    return queued


# --- A match's life ---------------------------------------------------------------


def answer_token(match: Match, action: str) -> str:
    return signing.TimestampSigner(salt=ANSWER_SALT).sign(f"{match.pk}:{action}")


def match_from_token(token: str) -> tuple[Match, str] | None:
    """The match and action a link names, or None if tampered with or too old."""
    try:
        value = signing.TimestampSigner(salt=ANSWER_SALT).unsign(
            token, max_age=ANSWER_MAX_AGE
        )
    except signing.BadSignature:
        return None
    pk, _, action = value.partition(":")
    if as_id(pk) is None:
        return None  # signed by us, but not a link this code wrote
    match = (
        Match.objects.select_related("mentor__member__user")
        .filter(pk=as_id(pk))
        .first()
    )
    if match is None or action not in ("accept", "decline"):
        return None
    return match, action


def _email(match: Match, to: Member, template: str, **context) -> None:
    email_queue_template(
        key=f"mentorship-{template}:{match.pk}:{match.state}:{to.pk}",
        to=to.user.email,
        template_prefix=f"mentorship/email/{template}",
        context={
            "match": match,
            "member": to,
            "match_url": settings.SITE_URL + match.get_absolute_url(),
            "kind": MentorType(match.kind).label,
            **context,
        },
        member=to,
        category=Category.MENTORSHIP,
    )


def _ask_mentor(match: Match, template: str = "proposed") -> None:
    links = {
        action: settings.SITE_URL
        + reverse("mentorship:answer", args=[answer_token(match, action)])
        for action in ("accept", "decline")
    }
    _email(
        match,
        match.mentor.member,
        template,
        links=links,
        reasons=selectors.match_fit_for(match, match.mentor.member).reasons,
    )


@transaction.atomic
def match_ask_directly(
    *, request: MentorshipRequest, mentor: MentorProfile, kind: str
) -> Match:
    """A mentee asks one mentor they chose from the mentor cards."""
    if mentor.member_id == request.mentee_id:
        raise ValidationError("You can't be your own mentor.")
    if not mentor.accepting:
        raise ValidationError(f"{mentor} is not taking new mentees right now.")
    if _open_count(mentor) >= mentor.capacity:
        raise ValidationError(f"{mentor} has no free seat right now.")
    if kind not in request.types:
        raise ValidationError("Add this kind of mentoring to your request first.")
    if Match.objects.filter(
        request=request, kind=kind, state__in=Match.OPEN_STATES
    ).exists():
        raise ValidationError("You already have a mentor (or a proposal) for this.")
    fit = _fit(mentor, request, kind)
    match = Match.objects.create(
        request=request,
        mentor=mentor,
        kind=kind,
        score=fit.points,
        reasons=list(fit.reasons),
        asked_directly=True,
    )
    _ask_mentor(match)
    return match


def _locked(match: Match) -> Match:
    return (
        Match.objects.select_for_update()
        .select_related("request__mentee__user", "mentor__member__user")
        .get(pk=match.pk)
    )


@transaction.atomic
def match_accept(*, match: Match) -> Match:
    match = _locked(match)
    if match.state == Match.State.ACTIVE:
        raise ValidationError("You already accepted this mentee.")
    if match.state not in (Match.State.PROPOSED, Match.State.INFO):
        state = match.get_state_display().lower()
        raise ValidationError(f"This proposal can't be accepted any more: {state}.")
    mentor = MentorProfile.objects.select_for_update().get(pk=match.mentor_id)
    if active_count(mentor) >= mentor.capacity:
        raise ValidationError("You are at your capacity: raise it first, or close one.")
    match.state, match.answered_at = Match.State.ACTIVE, timezone.now()
    match.save(update_fields=["state", "answered_at"])
    _email(match, match.request.mentee, "accepted")
    return match


@transaction.atomic
def match_decline(*, match: Match) -> Match:
    """The slot goes back to the pool for the next round."""
    match = _locked(match)
    if match.state not in (Match.State.PROPOSED, Match.State.INFO):
        state = match.get_state_display().lower()
        raise ValidationError(f"This proposal can't be declined: {state}.")
    match.state, match.answered_at = Match.State.DECLINED, timezone.now()
    match.save(update_fields=["state", "answered_at"])
    _email(match, match.request.mentee, "declined")
    return match


@transaction.atomic
def match_ask_info(*, match: Match, question: str) -> Match:
    match = _locked(match)
    if match.state != Match.State.PROPOSED:
        raise ValidationError("You can ask a question only before you answer.")
    if not question.strip():
        raise ValidationError({"question": "Write your question."})
    match.state, match.question = Match.State.INFO, question.strip()
    match.save(update_fields=["state", "question"])
    _email(match, match.request.mentee, "question")
    return match


@transaction.atomic
def match_answer_info(*, match: Match, answer: str) -> Match:
    match = _locked(match)
    if match.state != Match.State.INFO:
        raise ValidationError("There is no question waiting.")
    if not answer.strip():
        raise ValidationError({"answer": "Write your answer."})
    match.state, match.answer = Match.State.PROPOSED, answer.strip()
    match.save(update_fields=["state", "answer"])
    _ask_mentor(match, "answered")
    return match


@transaction.atomic
def match_withdraw(*, match: Match) -> Match:
    match = _locked(match)
    if match.state not in (Match.State.PROPOSED, Match.State.INFO):
        raise ValidationError("Only a proposal waiting for an answer can be withdrawn.")
    match.state = Match.State.WITHDRAWN
    match.save(update_fields=["state"])
    return match


@transaction.atomic
def checkin_add(*, match: Match, met_on, notes: str, progress: str) -> CheckIn:
    if match.state != Match.State.ACTIVE:
        raise ValidationError("Check-ins are for active mentorships.")
    if met_on > timezone.localdate():
        raise ValidationError({"met_on": "That date is in the future."})
    return CheckIn.objects.create(
        match=match, met_on=met_on, notes=notes, progress=progress
    )


@transaction.atomic
def match_close(*, match: Match, by: Member, feedback: str) -> Match:
    """Either side closes an active mentorship, with short feedback (the other
    side may add theirs afterwards)."""
    match = _locked(match)
    if match.state not in (Match.State.ACTIVE, Match.State.CLOSED):
        raise ValidationError("Only an active mentorship can be closed.")
    if match.state == Match.State.ACTIVE:
        match.state, match.closed_at = Match.State.CLOSED, timezone.now()
    if by.pk == match.mentor.member_id:
        match.mentor_feedback = feedback.strip()
    else:
        match.mentee_feedback = feedback.strip()
    match.save(
        update_fields=["state", "closed_at", "mentor_feedback", "mentee_feedback"]
    )
    record(actor=by, verb="closed", target=match)
    return match


def reminders_send(*, now=None) -> int:
    """Proposals unanswered for 7 days: one reminder to the mentor."""
    now = now or timezone.now()
    due = Match.objects.filter(
        state=Match.State.PROPOSED,
        proposed_at__lte=now - REMIND_AFTER,
        reminded_at__isnull=True,
    ).select_related("mentor__member__user", "request")
    sent = 0
    for match in due:
        with transaction.atomic():
            _ask_mentor(match, "reminder")
            Match.objects.filter(pk=match.pk).update(reminded_at=now)
        sent += 1
    return sent


@transaction.atomic
def pair_bar(*, mentor: Member, mentee: Member, reason: str, by: User) -> BarredPair:
    """Keep a pair apart; withdraw any open proposal between them."""
    if mentor.pk == mentee.pk:
        raise ValidationError("Choose two different members.")
    bar, created = BarredPair.objects.get_or_create(
        mentor=mentor, mentee=mentee, defaults={"reason": reason, "by": by}
    )
    if created:
        record(actor=by, verb="pair_barred", target=bar)
    Match.objects.filter(
        mentor__member=mentor,
        request__mentee=mentee,
        state__in=(Match.State.PROPOSED, Match.State.INFO),
    ).update(state=Match.State.WITHDRAWN)
    return bar


# --- Overview ---------------------------------------------------------------------
