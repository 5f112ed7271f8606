"""Editors' pages for the visa timelines table and its change history."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, ListView

from handbook import forms, timelines
from handbook.models import VisaTimeline, VisaTimelineChange
from handbook.views.mixins import EditorRequiredMixin
from imgportal.form_errors import add_errors


class TimelineFormView(EditorRequiredMixin, FormView):
    template_name = "form_page.html"
    form_class = forms.VisaTimelineForm

    def get_context_data(self, **kwargs):
        row = self.get_form_kwargs().get("instance")
        return super().get_context_data(
            heading=f"Edit {row}" if row else "Add a consulate wait time",
            intro="Every change is kept in the table's history, with your name.",
            cancel_url=reverse("handbook:timelines"),
            delete_url=reverse("handbook:timeline_delete", args=[row.pk])
            if row
            else "",
            **kwargs,
        )

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if "pk" in self.kwargs:
            kwargs["instance"] = get_object_or_404(VisaTimeline, pk=self.kwargs["pk"])
        else:
            kwargs["initial"] = {"last_verified": timezone.localdate()}
        return kwargs

    def form_valid(self, form):
        try:
            timelines.timeline_save(
                timeline=form.save(commit=False), by=self.request.user
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "Timeline saved.")
        return redirect("handbook:timelines")


class TimelineDeleteView(EditorRequiredMixin, View):
    def post(self, request, pk: int):
        timeline = get_object_or_404(VisaTimeline, pk=pk)
        timelines.timeline_delete(timeline=timeline, by=request.user)
        messages.success(request, f"Deleted {timeline}.")
        return redirect("handbook:timelines")


class TimelineHistoryView(EditorRequiredMixin, ListView):
    template_name = "handbook/timeline_history.html"
    context_object_name = "changes"
    paginate_by = 50

    def get_queryset(self):
        return VisaTimelineChange.objects.select_related("by").order_by("-at", "-pk")
