from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, TemplateView

from imgportal.confirm import Confirmation, confirm_step
from imgportal.csv_export import csv_response
from imgportal.form_errors import add_errors, error_text, refuse
from imgportal.fragments import render_each
from imgportal.live_progress import (
    LiveProgress,
    ProgressFragmentMixin,
    live_progress,
    progress_response,
)
from imgportal.params import id_or_404
from members import selectors as member_selectors
from members.actions import actions_for
from members.models import Member
from members.permissions import PortalPermissionRequiredMixin
from mentorship import forms, permissions, selectors, services
from mentorship.models import (
    BarredPair,
    Match,
    MatchingRound,
    MentorProfile,
    MentorshipRequest,
    MentorType,
    Proposal,
)
from mentorship.scoring import score


class MemberMixin(PortalPermissionRequiredMixin):
    def get_member(self):
        if not hasattr(self, "_member"):
            self._member = member_selectors.member_for_user(self.request.user)
            if self._member is None:
                raise Http404("No member profile")
        return self._member

    def open_request(self):
        return MentorshipRequest.objects.filter(
            mentee=self.get_member(), status="open"
        ).first()


class RunMatchingMixin(PortalPermissionRequiredMixin):
    permission_required = permissions.RUN


class HubView(MemberMixin, TemplateView):
    """My mentoring: my request and my mentors; as a mentor, proposals and mentees."""

    template_name = "mentorship/hub.html"

    def get_context_data(self, **kwargs):
        member = self.get_member()
        profile = MentorProfile.objects.filter(member=member).first()
        mine = permissions.matches_for(member, self.request.user)
        return super().get_context_data(
            request_obj=self.open_request(),
            profile=profile,
            as_mentee=mine.filter(request__mentee=member),
            board=selectors.board_for(member),
            as_mentor=mine.filter(mentor__member=member).exclude(
                state__in=(Match.State.DECLINED, Match.State.WITHDRAWN)
            ),
            **kwargs,
        )


class OwnFormView(MemberMixin, FormView):
    template_name = "form_page.html"
    heading = intro = ""

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            heading=self.heading,
            intro=self.intro,
            cancel_url=reverse("mentorship:hub"),
            **kwargs,
        )

    def get_instance(self):
        raise NotImplementedError

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.get_instance()
        return kwargs

    def save(self, obj):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.save(form.save(commit=False))
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "Saved.")
        return redirect("mentorship:hub")


class MentorProfileView(OwnFormView):
    form_class = forms.MentorProfileForm
    heading = "Your mentor profile"
    intro = (
        "What you offer, and how many mentees you can take. Mentees see your name, "
        "specialty, interests, languages and bio; your visa history only as 'has "
        "IMG and visa experience', unless you choose to show it."
    )

    def get_instance(self):
        return MentorProfile.objects.filter(
            member=self.get_member()
        ).first() or MentorProfile(member=self.get_member())

    def save(self, obj):
        services.mentor_profile_save(profile=obj)


class RequestView(OwnFormView):
    form_class = forms.RequestForm
    heading = "Ask for mentors"
    intro = (
        "One mentor per kind you choose. The co-leads' matching round proposes the "
        "best pairs for everyone at once; you can also ask a mentor directly."
    )

    def get_instance(self):
        return self.open_request() or MentorshipRequest(mentee=self.get_member())

    def get_initial(self):
        """?type=research (from an empty seat on the board): that kind ticked,
        with the kinds already asked for."""
        initial = super().get_initial()
        wanted = self.request.GET.get("type")
        if self.request.method == "GET" and wanted in MentorType.values:
            existing = self.open_request()
            initial["types"] = sorted({*(existing.types if existing else []), wanted})
        return initial

    def save(self, obj):
        services.request_save(request=obj)


class MentorCardsView(MemberMixin, TemplateView):
    """Mentor cards a mentee can filter, with their fit for the mentee's request."""

    template_name = "mentorship/mentor_cards.html"

    def get_context_data(self, **kwargs):
        form = forms.MentorFilterForm(self.request.GET or {"accepting": True})
        filters = form.cleaned_data if form.is_valid() else {}
        request_obj = self.open_request()
        facts = selectors.request_facts(request_obj) if request_obj else None
        cards = []
        profiles = list(selectors.mentor_cards(filters)[:60])
        shown = render_each(
            "mentorship/cards/mentor_card.html", [mentor_card(p) for p in profiles]
        )
        for profile, html in zip(profiles, shown, strict=True):
            fits = []
            if facts:
                mentor = selectors.mentor_facts(
                    profile, free=profile.capacity - profile.open, for_mentee=True
                )
                for kind in sorted(facts.types):
                    fit = score(mentor, facts, kind)
                    if fit:
                        fits.append((kind, MentorType(kind).label, fit))
            cards.append({"profile": profile, "fits": fits, "html": html})
        cards.sort(key=lambda c: -max((f[2].points for f in c["fits"]), default=0))
        return super().get_context_data(
            form=form, cards=cards, request_obj=request_obj, **kwargs
        )


def mentor_card(profile: MentorProfile) -> dict:
    """What every member sees on a mentor's card, as plain values: the card's
    cache key (imgportal/fragments.py). Visa paths by name only where the
    mentor chose to show them."""
    labels = dict(Member.VisaStatus.choices)
    return {
        "name": str(profile),
        "specialty": str(profile.specialty or ""),
        "interests": profile.interests,
        "types": [str(label) for label in profile.type_labels],
        "meeting": str(profile.get_meeting_display()),
        "accepting": profile.accepting,
        "visa_paths": [str(labels[path]) for path in profile.visa_paths]
        if profile.show_visa_paths
        else [],
        "visa_experience": bool(profile.visa_paths),
        "bio": profile.bio,
    }


class AskMentorView(MemberMixin, View):
    def post(self, request, pk: int):
        mentor = get_object_or_404(MentorProfile, pk=pk)
        request_obj = self.open_request()
        if request_obj is None:
            messages.error(
                request, "Write your request first: what you want help with."
            )
            return redirect("mentorship:request")
        try:
            match = services.match_ask_directly(
                request=request_obj, mentor=mentor, kind=request.POST.get("kind", "")
            )
        except ValidationError as exc:
            refuse(request, exc)
            return redirect("mentorship:mentors")
        messages.success(
            request, f"Asked {mentor}. You'll get an email when they answer."
        )
        return redirect(match.get_absolute_url())


class MatchView(MemberMixin, TemplateView):
    template_name = "mentorship/match_detail.html"

    def get_match(self) -> Match:
        try:
            return permissions.matches_for(self.get_member(), self.request.user).get(
                pk=self.kwargs["pk"]
            )
        except Match.DoesNotExist:
            raise Http404("No such match") from None

    def get_context_data(self, **kwargs):
        match = self.get_match()
        member = self.get_member()
        is_mentor = match.mentor.member_id == member.pk
        is_mentee = match.request.mentee_id == member.pk
        return super().get_context_data(
            match=match,
            is_mentor=is_mentor,
            is_mentee=is_mentee,
            fit=selectors.match_fit_for(match, member),
            show_visa=not is_mentor or match.request.share_visa,
            checkins=match.checkins.all(),
            question_form=kwargs.pop("question_form", None) or forms.QuestionForm(),
            answer_form=kwargs.pop("answer_form", None) or forms.AnswerForm(),
            checkin_form=kwargs.pop("checkin_form", None) or forms.CheckInForm(),
            close_form=forms.CloseForm(),
            actions=actions_for(match)
            if permissions.can_run_matching(self.request.user)
            else None,
            **kwargs,
        )


class MatchActionView(MatchView):
    """POST action=accept|decline|ask|answer|withdraw|checkin|close."""

    http_method_names = ["post"]

    def post(self, request, pk: int):
        match = self.get_match()
        member = self.get_member()
        is_mentor = match.mentor.member_id == member.pk
        is_mentee = match.request.mentee_id == member.pk
        action = request.POST.get("action")
        allowed = {
            "accept": is_mentor,
            "decline": is_mentor,
            "ask": is_mentor,
            "answer": is_mentee,
            "withdraw": is_mentee or permissions.can_run_matching(request.user),
            "checkin": is_mentee,
            "close": is_mentor or is_mentee,
        }
        if not allowed.get(action):
            messages.error(request, "That is not yours to do.")
            return redirect(match.get_absolute_url())
        try:
            return self._act(action, match, member) or redirect(
                match.get_absolute_url()
            )
        except ValidationError as exc:
            refuse(request, exc)
            return redirect(match.get_absolute_url())

    def _act(self, action, match, member):
        post = self.request.POST
        if action == "accept":
            services.match_accept(match=match)
            messages.success(self.request, "Accepted. Your mentee has been told.")
        elif action == "decline":
            services.match_decline(match=match)
            messages.success(
                self.request, "Declined. The co-leads will find someone else."
            )
        elif action == "withdraw":
            services.match_withdraw(match=match)
            messages.success(self.request, "Withdrawn.")
        elif action in ("ask", "answer", "checkin"):
            form_class = {
                "ask": forms.QuestionForm,
                "answer": forms.AnswerForm,
                "checkin": forms.CheckInForm,
            }[action]
            form = form_class(post)
            if not form.is_valid():
                return self._again(action, form)
            try:
                if action == "ask":
                    services.match_ask_info(match=match, **form.cleaned_data)
                elif action == "answer":
                    services.match_answer_info(match=match, **form.cleaned_data)
                else:
                    services.checkin_add(match=match, **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
                return self._again(action, form)
            messages.success(self.request, "Saved.")
        elif action == "close":
            form = forms.CloseForm(post)
            feedback = form.cleaned_data["feedback"] if form.is_valid() else ""
            services.match_close(match=match, by=member, feedback=feedback)
            messages.success(self.request, "Thank you for the feedback.")
        return None

    def _again(self, action, form):
        name = {
            "ask": "question_form",
            "answer": "answer_form",
            "checkin": "checkin_form",
        }
        context = self.get_context_data(**{name[action]: form})
        return render(self.request, self.template_name, context, status=400)


class AnswerLinkView(View):
    """The one-click accept/decline link from the proposal email: GET shows a
    button (mail scanners fetch links), POST acts. The signed token is the key."""

    template_name = "mentorship/answer_link.html"

    def get(self, request, token: str):
        found = services.match_from_token(token)
        if found is None:
            return render(request, self.template_name, {"invalid": True}, status=400)
        match, action = found
        return render(request, self.template_name, {"match": match, "action": action})

    def post(self, request, token: str):
        found = services.match_from_token(token)
        if found is None:
            return render(request, self.template_name, {"invalid": True}, status=400)
        match, action = found
        try:
            if action == "accept":
                services.match_accept(match=match)
            else:
                services.match_decline(match=match)
        except ValidationError as exc:
            return render(
                request,
                self.template_name,
                {"match": match, "action": action, "refused": error_text(exc)},
                status=409,
            )
        return render(
            request,
            self.template_name,
            {"match": match, "action": action, "done": True},
        )


# --- Co-leads ---------------------------------------------------------------------


class RoundsView(RunMatchingMixin, TemplateView):
    template_name = "mentorship/rounds.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            rounds=MatchingRound.objects.all()[:20],
            open_requests=MentorshipRequest.objects.filter(status="open").count(),
            **kwargs,
        )

    def post(self, request):
        matching_round = services.round_run(by=request.user)
        messages.success(
            request,
            f"Round ready: {matching_round.proposals.count()} pairs proposed in "
            f"{matching_round.seconds:.2f} s. Review them, then confirm.",
        )
        return redirect(matching_round)


def confirmed_message(done: services.RoundConfirmed) -> str:
    text = (
        f"Confirmed: {done.pairs} pair{'s' if done.pairs != 1 else ''}, "
        f"{done.mentors} different mentor{'s' if done.mentors != 1 else ''} asked."
    )
    if done.skipped:
        text += (
            f" {done.skipped} kept pair{'s were' if done.skipped != 1 else ' was'} "
            "left out: filled, declined or paired since the round ran."
        )
    return text


# Asking a confirmed round's mentors runs in Celery; after a day the page stops
# polling (the outbox's own checks report mail that is stuck).
ASKING_POLLED_FOR = timedelta(days=1)


def round_progress(request, matching_round: MatchingRound) -> LiveProgress | None:
    """The confirmed round's "mentors asked" region (the round itself is worked
    out during the POST that runs it: there is nothing in the background then)."""
    if matching_round.status != MatchingRound.Status.CONFIRMED:
        return None
    asked, pairs = selectors.round_mentors_asked(matching_round)
    return live_progress(
        request=request,
        region_id="round-progress",
        url=reverse("mentorship:round_progress", args=[matching_round.pk]),
        template="mentorship/_round_progress.html",
        context={"asked": asked, "pairs": pairs},
        running=asked < pairs
        and matching_round.confirmed_at is not None
        and matching_round.confirmed_at > timezone.now() - ASKING_POLLED_FOR,
    )


class RoundProgressView(ProgressFragmentMixin, RunMatchingMixin, View):
    """The round page's progress region, polled by htmx while mentors are asked."""

    def get(self, request, pk: int):
        matching_round = get_object_or_404(
            MatchingRound.objects.only("pk", "status", "confirmed_at"), pk=pk
        )
        if (progress := round_progress(request, matching_round)) is None:
            raise Http404("This round is not confirmed: nothing runs.")
        return progress_response(request, progress)


def skipped_sentence(skipped: services.Skipped) -> str:
    """Why confirming leaves out this pair, in words (names and kind only: the
    confirm page never shows visa status)."""
    proposal = skipped.proposal
    mentee, mentor = proposal.request.mentee, proposal.mentor
    return {
        "mentor left": f"{mentee}'s mentor, {mentor}, is no longer an active member.",
        "mentee left": f"{mentee} is no longer an active member.",
        "paused": f"{mentee}'s mentor, {mentor}, paused new mentees.",
        "no free seat": f"{mentee}'s mentor, {mentor}, has no free seat left.",
        "already matched": f"{mentee} already has a {proposal.get_kind_display()} "
        "mentor (or a proposal) since the round ran.",
        selectors.KEPT_APART: f"The co-leads keep {mentor} and {mentee} apart.",
        selectors.DECLINED_BEFORE: f"{mentor} said no to {mentee} before.",
        selectors.ALREADY_THEIR_MENTOR: f"{mentor} is already {mentee}'s mentor "
        "for another kind.",
    }.get(skipped.reason, f"{mentee} and {mentor}: {skipped.reason}.")


# The confirm page names this many skipped pairs, then counts the rest.
SKIPPED_SHOWN = 30


class RoundView(RunMatchingMixin, TemplateView):
    template_name = "mentorship/round_detail.html"

    def get_round(self) -> MatchingRound:
        return get_object_or_404(MatchingRound, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        matching_round = self.get_round()
        proposals = list(
            matching_round.proposals.select_related(
                "request__mentee__user", "mentor__member__user"
            )
        )
        skips = {}
        if matching_round.status == MatchingRound.Status.DRAFT:
            # Which kept pairs confirming would leave out now, so they can be
            # swapped first (the confirm page says the same).
            skips = {
                s.proposal.pk: s.reason
                for s in services.round_outcome(matching_round).skipped
            }
        for proposal in proposals:
            proposal.skip_reason = skips.get(proposal.pk, "")
        return super().get_context_data(
            round=matching_round,
            proposals=proposals,
            actions=actions_for(matching_round),
            live_progress=round_progress(self.request, matching_round),
            **kwargs,
        )

    def confirm(self, matching_round: MatchingRound, outcome: services.RoundOutcome):
        """The confirm page, saying what confirming does now: the pairs that will
        be proposed, and each kept pair that will be skipped and why. When all
        are skipped it still confirms (the round closes, no one is emailed)."""
        if matching_round.status != MatchingRound.Status.DRAFT:
            return None  # the service says it is already confirmed
        pairs, mentors = len(outcome.matches), outcome.mentors
        if pairs:
            lines = [
                f"{pairs} pair{'s' if pairs != 1 else ''} will be proposed.",
                f"{mentors} different mentor{'s' if mentors != 1 else ''} will be "
                "emailed to accept or decline.",
            ]
            button = f"Confirm and email {mentors} mentor{'s' if mentors != 1 else ''}"
        else:
            lines = [
                "No pair will be proposed: confirming only closes this round, "
                "and no mentor is emailed."
            ]
            button = "Close the round without emailing anyone"
        if skipped := len(outcome.skipped):
            lines.append(
                f"{skipped} kept pair{'s' if skipped != 1 else ''} will be skipped:"
            )
            lines += [skipped_sentence(s) for s in outcome.skipped[:SKIPPED_SHOWN]]
            if skipped > SKIPPED_SHOWN:
                lines.append(f"… and {skipped - SKIPPED_SHOWN} more.")
        return confirm_step(
            self.request,
            Confirmation(
                title=f"Confirm {matching_round} and ask the mentors?"
                if pairs
                else f"Close {matching_round} without asking anyone?",
                lines=lines,
                button=button,
                cancel_url=matching_round.get_absolute_url(),
                facts=("round", matching_round.pk, outcome.facts),
                repost={"confirm": "1"},
            ),
        )

    def post(self, request, pk: int):
        matching_round = self.get_round()
        try:
            if "confirm" in request.POST:
                outcome = services.round_outcome(matching_round)
                if page := self.confirm(matching_round, outcome):
                    return page
                try:
                    done = services.round_confirm(
                        matching_round=matching_round, by=request.user, expected=outcome
                    )
                except services.RoundChanged:
                    # Changed between our look and the service's locks: ask again.
                    fresh = services.round_outcome(matching_round)
                    if page := self.confirm(matching_round, fresh):
                        return page
                    raise
                messages.success(request, confirmed_message(done))
            else:
                proposal = get_object_or_404(
                    Proposal,
                    pk=id_or_404(request.POST.get("proposal")),
                    round=matching_round,
                )
                services.proposal_drop(
                    proposal=proposal, dropped=request.POST.get("dropped") == "1"
                )
        except ValidationError as exc:
            refuse(request, exc)
        return redirect(matching_round)


class SwapView(RunMatchingMixin, TemplateView):
    """Other mentors who fit this slot, best first; choosing one swaps it in."""

    template_name = "mentorship/swap.html"

    def get_proposal(self) -> Proposal:
        return get_object_or_404(
            Proposal.objects.select_related("round", "request__mentee__user", "mentor"),
            pk=self.kwargs["pk"],
        )

    def get_context_data(self, **kwargs):
        proposal = self.get_proposal()
        facts = selectors.request_facts(proposal.request)
        options = []
        for profile in selectors.available_mentors():
            fit = score(
                selectors.mentor_facts(profile, free=profile.capacity - profile.open),
                facts,
                proposal.kind,
            )
            if fit and profile.pk != proposal.mentor_id:
                options.append((fit.points, profile, fit))
        options.sort(key=lambda o: (-o[0], o[1].pk))
        return super().get_context_data(
            proposal=proposal, options=[o[1:] for o in options[:30]], **kwargs
        )

    def post(self, request, pk: int):
        proposal = self.get_proposal()
        mentor = get_object_or_404(
            MentorProfile, pk=id_or_404(request.POST.get("mentor"))
        )
        try:
            services.proposal_swap(proposal=proposal, mentor=mentor)
        except ValidationError as exc:
            refuse(request, exc)
            return redirect("mentorship:swap", pk=pk)
        messages.success(request, f"Swapped in {mentor}.")
        return redirect(proposal.round)


class OverviewView(RunMatchingMixin, TemplateView):
    template_name = "mentorship/overview.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(overview=selectors.overview(), **kwargs)


class OverviewCsvView(RunMatchingMixin, View):
    def get(self, request):
        return csv_response(
            "mentoring.csv",
            ["mentor", "email", "capacity", "accepting", "active", "waiting"],
            (
                (
                    str(profile),
                    profile.member.user.email,
                    profile.capacity,
                    "yes" if profile.accepting else "no",
                    profile.active,
                    profile.waiting,
                )
                for profile in selectors.overview()["loads"]
            ),
        )


class BarsView(RunMatchingMixin, FormView):
    template_name = "mentorship/bars.html"
    form_class = forms.BarForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            bars=BarredPair.objects.select_related("mentor__user", "mentee__user"),
            **kwargs,
        )

    def form_valid(self, form):
        try:
            services.pair_bar(
                mentor=form.mentor,
                mentee=form.mentee,
                reason=form.cleaned_data["reason"],
                by=self.request.user,
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "They will not be paired.")
        return redirect(reverse("mentorship:bars"))
