"""The group's year: the academic-year rollover (preview, apply, undo) and the
leadership handoff (invite the next co-lead, answer, step down)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView, FormView, TemplateView

from imgportal.form_errors import add_errors, refuse
from members import forms, handoff, rules, selectors, services
from members.models import (
    CoLeadInvitation,
    Member,
    RolloverRun,
)
from members.permissions import (
    MANAGE_MEMBERS,
    PortalPermissionRequiredMixin,
)

# --- Co-leads and GME staff --------------------------------------------------


class RolloverView(PortalPermissionRequiredMixin, TemplateView):
    """Preview the rollover for a year, apply it, and undo a past one."""

    permission_required = MANAGE_MEMBERS
    template_name = "members/rollover.html"

    def academic_year(self) -> int:
        form = forms.RolloverForm(self.request.GET or None)
        if form.is_valid():
            return form.cleaned_data["academic_year"]
        today = timezone.localdate()
        return rules.academic_year_of(today) + (1 if today.month >= 3 else 0)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        year = self.academic_year()
        changes = services.rollover_changes(academic_year=year)
        names = {
            pk: f"{first} {last}"
            for pk, first, last in Member.objects.filter(
                pk__in=[c["member"] for c in changes]
            ).values_list("pk", "user__first_name", "user__last_name")
        }
        changes.sort(key=lambda c: names.get(c["member"], "").split()[-1:])
        stage_labels = dict(Member.TrainingStage.choices)
        co_leads = handoff.current_co_lead_ids()
        context.update(
            form=forms.RolloverForm(initial={"academic_year": year}),
            academic_year=year,
            refusal=rules.rollover_refusal(year, services.rollover_today()),
            effective_on=rules.academic_year_start(year),
            changes=[
                {
                    **c,
                    "name": names.get(c["member"], ""),
                    "from": stage_labels.get(c["stage"][0], c["stage"][0] or "—"),
                    "to": stage_labels.get(c["stage"][1], c["stage"][1]),
                }
                for c in changes
            ],
            alumni_count=sum(1 for c in changes if c["status"][1] == "alumni"),
            leaving_staff=sorted(
                names.get(c["member"], "")
                for c in changes
                if c["status"][1] == "alumni" and c["member"] in co_leads
            ),
            runs=RolloverRun.objects.select_related("applied_by", "undone_by")[:10],
        )
        return context

    def post(self, request):
        form = forms.RolloverForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose the academic year to roll over.")
            return redirect("members:rollover")
        year = form.cleaned_data["academic_year"]
        try:
            run = services.rollover_apply(academic_year=year, by=request.user)
        except ValidationError as exc:
            refuse(request, exc)
        else:
            messages.success(
                request,
                f"Rolled over {len(run.changes)} member(s) into {year}-{year + 1}.",
            )
        return redirect(f"{reverse('members:rollover')}?academic_year={year}")


class RolloverUndoView(PortalPermissionRequiredMixin, View):
    permission_required = MANAGE_MEMBERS
    http_method_names = ["post"]

    def post(self, request, pk: int):
        run = get_object_or_404(RolloverRun, pk=pk)
        try:
            restored = services.rollover_undo(run=run, by=request.user)
        except ValidationError as exc:
            refuse(request, exc)
        else:
            messages.success(request, f"Undone: {restored} member(s) put back.")
        return redirect("members:rollover")


class HandoffView(PortalPermissionRequiredMixin, FormView):
    """Co-leads invite the next co-lead and see the invitations."""

    permission_required = MANAGE_MEMBERS
    template_name = "members/handoff.html"
    form_class = forms.CoLeadInviteForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["invitees"] = (
            Member.objects.active()
            .exclude(pk__in=handoff.current_co_lead_ids())
            .select_related("user")
        )
        return kwargs

    def form_valid(self, form):
        me = selectors.member_for_user(self.request.user)
        try:
            handoff.co_lead_invite(
                invitee=form.cleaned_data["invitee"],
                by=me,
                handover_on=form.cleaned_data["handover_on"],
                replaces_inviter=form.cleaned_data["replaces_inviter"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "Invitation sent.")
        return redirect("members:handoff")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["invitations"] = CoLeadInvitation.objects.select_related(
            "invitee__user", "invited_by__user"
        )[:20]
        context["current_terms"] = selectors.co_lead_history().filter(
            member_id__in=handoff.current_co_lead_ids()
        )
        return context


class HandoffStepDownView(PortalPermissionRequiredMixin, View):
    permission_required = MANAGE_MEMBERS
    http_method_names = ["post"]

    def post(self, request, pk: int):
        member = get_object_or_404(Member, pk=pk)
        try:
            handoff.co_lead_step_down(member=member, by=request.user)
        except ValidationError as exc:
            refuse(request, exc)
        else:
            messages.success(request, f"{member.full_name}'s co-lead term has ended.")
        return redirect("members:handoff")


class HandoffAnswerView(PortalPermissionRequiredMixin, DetailView):
    """The invited member accepts or declines (anyone else: 404)."""

    template_name = "members/handoff_answer.html"
    context_object_name = "invitation"

    def get_queryset(self):
        return CoLeadInvitation.objects.filter(
            invitee__user=self.request.user
        ).select_related("invited_by__user")

    def post(self, request, pk: int):
        invitation = get_object_or_404(self.get_queryset(), pk=pk)
        me = selectors.member_for_user(request.user)
        answer = request.POST.get("answer")
        try:
            if answer == "accept":
                term = handoff.co_lead_invitation_accept(invitation=invitation, by=me)
                messages.success(
                    request, f"Welcome, co-lead! Your term starts on {term.start}."
                )
            elif answer == "decline":
                handoff.co_lead_invitation_decline(invitation=invitation, by=me)
                messages.info(request, "You declined the invitation.")
            else:
                messages.error(request, "Choose Accept or Decline.")
                return redirect("members:handoff_answer", pk=pk)
        except ValidationError as exc:
            refuse(request, exc)
        return redirect("home")
