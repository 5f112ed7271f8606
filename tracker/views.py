from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, TemplateView

from imgportal.form_errors import add_errors, refuse
from members import selectors as member_selectors
from members.permissions import PortalPermissionRequiredMixin
from tracker import forms, permissions, selectors, services
from tracker.models import TrackedDocument, Trip


class OwnTrackerMixin(PortalPermissionRequiredMixin):
    """Every tracker page is about the signed-in member only: rows are looked up
    with `member=` them, so anyone else's answer 404."""

    permission_required = permissions.KEEP_OWN

    def get_member(self):
        if not hasattr(self, "_member"):
            self._member = member_selectors.member_for_user(self.request.user)
            if self._member is None:
                raise Http404("No member profile")
        return self._member


class StatusView(OwnTrackerMixin, TemplateView):
    template_name = "tracker/status.html"

    def get_context_data(self, **kwargs):
        member = self.get_member()
        return super().get_context_data(
            member=member,
            today=timezone.localdate(),
            settings_row=services.settings_for(member),
            **selectors.status_page(member, timezone.localdate()),
            **kwargs,
        )


class OwnRowFormView(OwnTrackerMixin, FormView):
    """Add or edit one of the member's own rows (documents, trips)."""

    template_name = "form_page.html"
    model = None
    success_url = reverse_lazy("tracker:status")
    headings = ("", "")  # adding, editing
    intro = ""
    delete_url_name = ""

    def get_context_data(self, **kwargs):
        row = self.get_object()
        return super().get_context_data(
            heading=self.headings[row is not None],
            intro=self.intro,
            cancel_url=reverse("tracker:status"),
            delete_url=reverse(self.delete_url_name, args=[row.pk]) if row else "",
            **kwargs,
        )

    def get_object(self):
        if "pk" not in self.kwargs:
            return None
        return get_object_or_404(
            self.model, pk=self.kwargs["pk"], member=self.get_member()
        )

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["member"] = self.get_member()
        kwargs["instance"] = self.get_object()
        return kwargs

    def save(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.save(form)
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "Saved. Only you can see this.")
        return super().form_valid(form)


class DocumentFormView(OwnRowFormView):
    form_class = forms.DocumentForm
    model = TrackedDocument
    headings = ("Add a document or date", "Edit a document or date")
    intro = (
        "Only dates and short notes: no scans, no document numbers. Only you see "
        "them. The list fits your visa status from your profile."
    )
    delete_url_name = "tracker:document_delete"

    def save(self, form):
        services.document_save(document=form.save(commit=False))


class TripFormView(OwnRowFormView):
    form_class = forms.TripForm
    model = Trip
    headings = ("Plan a trip abroad", "Edit the trip")
    intro = (
        "See at once what must be in order before you go: travel signature, visa "
        "stamp, passport, and the interview wait if your stamp needs renewing there."
    )
    delete_url_name = "tracker:trip_delete"

    def save(self, form):
        services.trip_save(trip=form.save(commit=False))


class OwnRowDeleteView(OwnTrackerMixin, View):
    model = None

    def post(self, request, pk: int):
        row = get_object_or_404(self.model, pk=pk, member=self.get_member())
        row.delete()
        messages.success(request, f"Deleted {row}.")
        return redirect("tracker:status")


class DocumentDeleteView(OwnRowDeleteView):
    model = TrackedDocument


class TripDeleteView(OwnRowDeleteView):
    model = Trip


class ChecklistView(OwnTrackerMixin, View):
    def post(self, request):
        try:
            services.checklist_set(
                member=self.get_member(),
                step=request.POST.get("step", ""),
                done=request.POST.get("done") == "1",
            )
        except ValidationError as exc:
            refuse(request, exc)
        return redirect(f"{reverse_lazy('tracker:status')}#arrival")


class SharingView(OwnTrackerMixin, View):
    def post(self, request):
        if request.POST.get("share") not in ("0", "1"):
            messages.error(request, "Choose whether to be counted; nothing changed.")
            return redirect("tracker:status")
        share = request.POST.get("share") == "1"
        services.share_counts_set(member=self.get_member(), share=share)
        messages.success(
            request,
            "You are counted (without your name) in the GME office's totals."
            if share
            else "You are no longer counted in any totals.",
        )
        return redirect("tracker:status")


class TotalsView(PortalPermissionRequiredMixin, TemplateView):
    """GME staff and co-leads: anonymous totals only, never whose."""

    permission_required = permissions.VIEW_COUNTS
    template_name = "tracker/totals.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            counts=selectors.opted_in_counts(),
            checklist=selectors.checklist_counts(),
            **kwargs,
        )
