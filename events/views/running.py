"""On the day and after: check-in (by organisers and by code), the waitlist,
feedback and its results."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import FormView, TemplateView

from events import attendance, forms, registration, rsvps, selectors
from events.models import Guest, Rsvp
from events.permissions import (
    can_see_attendees,
)
from events.views.mixins import MemberEventMixin, RunEventMixin
from imgportal.form_errors import add_errors, refuse
from imgportal.params import as_id, id_or_404, search_text


class CheckinView(RunEventMixin, TemplateView):
    """Phone-friendly attendance: search by name, one tap per person."""

    template_name = "events/event_checkin.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        event = self.check_can_run()
        if not can_see_attendees(self.request.user, event):
            context.update(event=event, **self.attendee_counts(event))
            return context
        query = search_text(self.request.GET.get("q"))
        context.setdefault("code_form", forms.PersonalCodeForm())
        context.update(
            event=event,
            query=query,
            rsvps=selectors.checkin_list(event, query),
            walk_ins=selectors.walk_ins(event),
            here_count=selectors.people_here(event),
            guest_choices=range(event.guests_allowed + 1),
        )
        return context

    def post(self, request, pk: int):
        event = self.check_can_see_attendees()
        if "code" in request.POST:
            return self.by_code(event)
        if "guest" in request.POST:
            guest = get_object_or_404(
                Guest.objects.filter(
                    rsvp__event=event, rsvp__status__in=Rsvp.SEATED
                ).select_related("rsvp"),
                pk=id_or_404(request.POST.get("guest")),
            )
            present = request.POST.get("present")
            if present in ("0", "1"):
                try:
                    attendance.guest_check(
                        guest=guest, present=present == "1", by=request.user
                    )
                except ValidationError as exc:
                    refuse(request, exc)
            else:
                messages.error(request, "Choose Check in or undo; nothing changed.")
            return self._back(event, guest.rsvp)
        rsvp = get_object_or_404(
            event.rsvps.select_related("member"), pk=id_or_404(request.POST.get("rsvp"))
        )
        present = request.POST.get("present")
        if present == "1":
            try:
                attendance.attendance_mark(
                    event=event,
                    member=rsvp.member,
                    by=request.user,
                    guests=as_id(request.POST.get("guests")),
                )
            except ValidationError as exc:
                refuse(request, exc)
        elif present == "0":
            attendance.attendance_unmark(
                event=event, member=rsvp.member, by=request.user
            )
        else:
            messages.error(request, "Choose Check in or undo; nothing changed.")
        return self._back(event, rsvp)

    def _back(self, event, rsvp):
        url = reverse("events:checkin", args=[event.pk])
        query = search_text(self.request.POST.get("q"))
        if query:
            url = f"{url}?{urlencode({'q': query})}"
        elif self.request.POST.get("from") == "code":
            url = f"{url}?{urlencode({'code': rsvp.pk})}"
        return redirect(f"{url}#rsvp-{rsvp.pk}")

    def by_code(self, event):
        """A scanned or typed personal code: the member is checked in, and the
        card shows their guests (each checked in by a tap) and answers."""
        form = forms.PersonalCodeForm(self.request.POST)
        if form.is_valid():
            try:
                rsvp, here, again = attendance.checkin_by_personal_code(
                    event=event, code=form.cleaned_data["code"], by=self.request.user
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                return self.render_to_response(
                    self.get_context_data(
                        code_form=forms.PersonalCodeForm(),
                        scanned=self.scanned(event, rsvp, here, again),
                    )
                )
        return self.render_to_response(
            self.get_context_data(code_form=form), status=400
        )

    def get(self, request, *args, **kwargs):
        # After a guest's tap on a scanned card, the card again (?code=<rsvp>).
        rsvp_id = as_id(request.GET.get("code"))
        if rsvp_id is not None and can_see_attendees(request.user, self.get_event()):
            event = self.get_event()
            rsvp = (
                event.rsvps.filter(pk=rsvp_id, status__in=Rsvp.SEATED)
                .select_related("member__user")
                .prefetch_related("guest_list", "answers")
                .first()
            )
            here = (
                event.attendances.filter(member_id=rsvp.member_id).first()
                if rsvp
                else None
            )
            if rsvp is not None and here is not None:
                return self.render_to_response(
                    self.get_context_data(
                        scanned=self.scanned(event, rsvp, here, True, tapped=True)
                    )
                )
        return super().get(request, *args, **kwargs)

    @staticmethod
    def scanned(event, rsvp, here, again, tapped=False) -> dict:
        return {
            "rsvp": rsvp,
            "at": here.checked_in_at,
            "again": again and not tapped,
            "answers": registration.answer_rows(event.questions.all(), rsvp),
        }


class WaitlistView(RunEventMixin, TemplateView):
    template_name = "events/event_waitlist.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        event = self.check_can_run()
        if not can_see_attendees(self.request.user, event):
            context.update(event=event, **self.attendee_counts(event))
            return context
        context.update(event=event, waitlist=selectors.waitlist(event))
        return context

    def post(self, request, pk: int):
        event = self.check_can_see_attendees()
        rsvp = get_object_or_404(
            event.rsvps.filter(status=Rsvp.Status.WAITLIST),
            pk=id_or_404(request.POST.get("rsvp")),
        )
        move = request.POST.get("move")
        if move in ("up", "down"):
            rsvps.waitlist_move(rsvp=rsvp, up=move == "up")
        else:
            messages.error(request, "Choose up or down; nobody was moved.")
        return redirect("events:waitlist", pk=event.pk)


class CodeCheckinView(MemberEventMixin, FormView):
    """Members check themselves in with the code shown in the room."""

    template_name = "events/code_checkin.html"
    form_class = forms.CodeCheckinForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["event"] = self.get_event()
        return context

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        rsvp = selectors.my_rsvp(self.get_event(), self.get_member())
        kwargs.update(
            event=self.get_event(),
            guests=rsvp.guests if rsvp and rsvp.status in Rsvp.SEATED else 0,
        )
        return kwargs

    def form_valid(self, form):
        try:
            attendance.checkin_with_code(
                event=self.get_event(),
                member=self.get_member(),
                code=form.cleaned_data["code"],
                guests=form.cleaned_data.get("guests"),
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "You're checked in. Enjoy!")
        return redirect(self.get_event().get_absolute_url())


class FeedbackView(MemberEventMixin, FormView):
    """The short survey for people who came."""

    template_name = "events/feedback_form.html"
    form_class = forms.FeedbackForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        event = self.get_event()
        member = self.get_member()
        context.update(
            event=event,
            attended=member is not None
            and event.attendances.filter(member=member).exists(),
        )
        return context

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        member = self.get_member()
        kwargs["instance"] = (
            self.get_event().feedback.filter(member=member).first() if member else None
        )
        return kwargs

    def form_valid(self, form):
        try:
            attendance.feedback_submit(
                event=self.get_event(),
                member=self.get_member(),
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "Thank you: the organisers will read it.")
        return redirect(self.get_event().get_absolute_url())


class FeedbackResultsView(RunEventMixin, TemplateView):
    template_name = "events/feedback_results.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        event = self.check_can_run()
        context.update(event=event, summary=selectors.feedback_summary(event))
        return context
