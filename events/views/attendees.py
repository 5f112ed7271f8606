"""Organisers' registration pages: the event's questions, the attendee list
with the answers, its CSV, and the printable sign-in sheet."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from events import forms, registration, rsvps, selectors, series
from events.models import Rsvp
from events.views.mixins import RunEventMixin
from imgportal.csv_export import csv_response
from imgportal.form_errors import refuse
from imgportal.params import id_or_404


class QuestionsView(RunEventMixin, TemplateView):
    """The questions members answer when they say yes; common ones one click away."""

    template_name = "events/event_questions.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        event = self.check_can_run()
        context.setdefault(
            "formset",
            forms.QuestionFormSet(instance=event, queryset=event.questions.all()),
        )
        asked = {q.label for q in event.questions.all()}
        context.update(
            event=event,
            presets=[
                (key, name)
                for key, name in registration.PRESET_NAMES.items()
                if registration.PRESETS[key]["label"] not in asked
            ],
            answered=event.rsvps.filter(answers__isnull=False).distinct().count(),
            later_count=series.dates_to_come_after(event, self.request.user).count()
            if event.series_id
            else 0,
            apply_to=self.request.POST.get("apply_to", "this"),
        )
        return context

    def post(self, request, pk: int):
        event = self.check_can_run()
        if "preset" in request.POST:
            try:
                question = registration.question_add_preset(
                    event=event, preset=request.POST["preset"], by=request.user
                )
            except ValidationError as exc:
                refuse(request, exc)
            else:
                messages.success(request, f"Added “{question.label}”.")
            return redirect("events:questions", pk=event.pk)
        formset = forms.QuestionFormSet(
            request.POST, instance=event, queryset=event.questions.all()
        )
        if not formset.is_valid():
            return self.render_to_response(
                self.get_context_data(formset=formset), status=400
            )
        with transaction.atomic():
            registration.questions_save(event=event, formset=formset, by=request.user)
            copied = (
                series.questions_apply_later(event=event, by=request.user)
                if event.series_id and request.POST.get("apply_to") == "later"
                else None
            )
        messages.success(request, self.saved_message(copied))
        return redirect("events:questions", pk=event.pk)

    @staticmethod
    def saved_message(copied) -> str:
        if copied is None:
            return "Questions saved."
        n = copied.dates
        lines = [
            f"Questions saved, and copied to {n} later date{'s' if n != 1 else ''}."
        ]
        for label, dates in copied.kept.items():
            lines.append(
                f"Kept “{label}” on {dates} later date{'s' if dates != 1 else ''}: "
                "members already answered it there, and their answers stay."
            )
        for label, dates in copied.full.items():
            lines.append(
                f"“{label}” was not added to {dates} later "
                f"date{'s' if dates != 1 else ''}: they already ask "
                f"{registration.MAX_QUESTIONS} questions."
            )
        return " ".join(lines)


class AttendeeListMixin(RunEventMixin):
    def attendee_context(self) -> dict:
        event = self.check_can_see_attendees()
        rows = selectors.attendees(event)
        questions = list(event.questions.all())
        for rsvp in rows:
            rsvp.answer_rows = registration.answer_rows(questions, rsvp)
        return {
            "event": event,
            "questions": questions,
            "rows": rows,
            "groups": selectors.attendee_groups(rows),
        }


class AttendeesView(AttendeeListMixin, TemplateView):
    template_name = "events/event_attendees.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.attendee_context())
        groups = context["groups"]
        show = self.request.GET.get("show")
        if show not in groups:
            show = "going"
        context.update(
            show=show,
            tabs=[
                (key, label, len(groups[key]))
                for key, label in selectors.ATTENDEE_GROUPS
                if key != "pending" or context["event"].requires_approval or groups[key]
            ],
            # Requests left when approval was turned off can still be decided.
            deciding=(
                show == "pending"
                or (context["event"].requires_approval and show == "going")
            )
            and not context["event"].has_started(),
            shown=groups[show],
            walk_ins=selectors.walk_ins(context["event"])
            if show == "checked_in"
            else [],
        )
        return context


class ApprovalView(RunEventMixin, View):
    """Approve or decline a request for an event whose organisers approve
    each RSVP (POST from the attendee list's "Waiting for approval" tab)."""

    def post(self, request, pk: int):
        event = self.check_can_see_attendees()
        rsvp = get_object_or_404(
            event.rsvps.filter(
                status__in=[Rsvp.Status.PENDING, Rsvp.Status.YES, Rsvp.Status.REFUSED]
            ).select_related("member"),
            pk=id_or_404(request.POST.get("rsvp")),
        )
        decision = request.POST.get("decision")
        name = rsvp.member.listed_name
        try:
            if decision == "approve":
                rsvps.rsvp_approve(rsvp=rsvp, by=request.user)
                messages.success(request, f"Approved {name}: they've been emailed.")
            elif decision == "decline":
                rsvps.rsvp_refuse(rsvp=rsvp, by=request.user)
                messages.success(request, f"Declined {name}: they've been emailed.")
            else:
                messages.error(request, "Choose approve or decline; nothing changed.")
        except ValidationError as exc:
            refuse(request, exc)
        back = request.POST.get("show")
        show = back if back in dict(selectors.ATTENDEE_GROUPS) else "pending"
        return redirect(f"{reverse('events:attendees', args=[event.pk])}?show={show}")


class AttendeesCsvView(AttendeeListMixin, View):
    """One row per person, guests included (formula cells made text)."""

    def get(self, request, pk: int):
        context = self.attendee_context()
        event = context["event"]
        header = [
            "Name",
            "Email",
            "Person",
            "Guest of",
            "RSVP",
            "Checked in at",
            *(q.label for q in context["questions"]),
        ]
        lines = []
        for rsvp in context["rows"]:
            member = rsvp.member
            lines.append(
                [
                    member.listed_name,
                    member.user.email,
                    "Member",
                    "",
                    rsvp.get_status_display(),
                    timezone.localtime(rsvp.checked_in_at).isoformat()
                    if rsvp.checked_in_at
                    else "",
                    *(text for _question, text in rsvp.answer_rows),
                ]
            )
            for guest in rsvp.guest_list.all():
                lines.append(
                    [
                        guest.display_name,
                        "",
                        f"Guest ({guest.get_age_display().lower()})",
                        member.listed_name,
                        rsvp.get_status_display(),
                        timezone.localtime(guest.checked_in_at).isoformat()
                        if guest.checked_in_at
                        else "",
                        *("" for _q in context["questions"]),
                    ]
                )
        return csv_response(f"event-{event.pk}-attendees.csv", header, lines)


class SignInSheetView(AttendeeListMixin, TemplateView):
    """A printable sheet of everyone going and their guests, with a column to
    sign. No answers on it: a sheet on the door table is seen by everyone."""

    template_name = "events/sign_in_sheet.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.attendee_context())
        context["going"] = context["groups"]["going"]
        context["people"] = sum(r.seats for r in context["going"])
        return context
