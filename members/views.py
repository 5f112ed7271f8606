from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import ListView, TemplateView

from imgportal.permissions import PortalPermissionRequiredMixin, is_awaiting_approval
from members import selectors, services


class PendingView(LoginRequiredMixin, TemplateView):
    """What someone sees between signing up and a co-lead's approval."""

    template_name = "members/member_pending.html"

    def get(self, request, *args, **kwargs):
        if not is_awaiting_approval(request.user):
            return redirect("home")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["member"] = selectors.member_for_user(self.request.user)
        return context


class JoinRequestListView(PortalPermissionRequiredMixin, ListView):
    """Co-leads: the people waiting to join, oldest first."""

    permission_required = "members.manage_members"
    template_name = "members/member_join_requests.html"
    context_object_name = "pending_members"
    paginate_by = 50

    def get_queryset(self):
        return selectors.members_pending(viewer=self.request.user)


class JoinRequestDecisionView(PortalPermissionRequiredMixin, View):
    """Co-leads approve or decline one join request (POST only)."""

    permission_required = "members.manage_members"
    http_method_names = ["post"]

    def post(self, request, pk: int):
        member = get_object_or_404(
            selectors.members_pending(viewer=request.user), pk=pk
        )
        decision = request.POST.get("decision")
        try:
            if decision == "approve":
                services.member_approve(member=member, by=request.user)
                messages.success(
                    request, f"{member.full_name} is now a member. We emailed them."
                )
            elif decision == "decline":
                services.member_decline(member=member, by=request.user)
                messages.info(
                    request, f"{member.full_name}'s request was declined. We told them."
                )
            else:
                messages.error(request, "Choose Approve or Decline.")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        next_url = request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(
            next_url,
            allowed_hosts={request.get_host()},
            require_https=request.is_secure(),
        ):
            return redirect(next_url)
        return redirect("members:join_requests")
