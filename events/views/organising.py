"""Organisers' pages: create and edit, publish/cancel/nudge, reminders, and
the GME funding report with its CSV."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, TemplateView

from events import forms, selectors, series, services
from events.models import Event, Rsvp
from events.permissions import (
    MANAGE,
    can_manage_events,
)
from events.views.mixins import MemberEventMixin
from imgportal.confirm import Confirmation, confirm_step
from imgportal.csv_export import csv_response
from imgportal.form_errors import add_errors, refuse
from members.permissions import PortalPermissionRequiredMixin
from members.rules import academic_year_of
from members.selectors import segment_label
from notifications import selectors as notification_selectors
from notifications.models import Category


class EventFormView(MemberEventMixin, FormView):
    """Create or edit an event (GME staff and co-leads)."""

    permission_required = MANAGE
    template_name = "events/event_form.html"
    form_class = forms.EventForm

    def dispatch(self, request, *args, **kwargs):
        if "pk" in kwargs and request.user.is_authenticated:
            event = get_object_or_404(Event, pk=kwargs["pk"])
            if event.status == Event.Status.CANCELLED or event.has_ended():
                if not can_manage_events(request.user):
                    raise PermissionDenied
                messages.error(
                    request,
                    "This event was cancelled, so it can't be changed or moved: "
                    "create a new event for a new date."
                    if event.status == Event.Status.CANCELLED
                    else "This event is over, so it can no longer be changed.",
                )
                return redirect(event.get_absolute_url())
        return super().dispatch(request, *args, **kwargs)

    def get_instance(self) -> Event:
        if "pk" in self.kwargs:
            return get_object_or_404(Event, pk=self.kwargs["pk"])
        return Event()

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.get_instance()
        return kwargs

    def form_valid(self, form):
        before = Event.objects.get(pk=form.instance.pk) if form.instance.pk else None
        event = form.save(commit=False)
        event.audience = form.audience()
        later = form.cleaned_data.get("apply_to") == "later"
        try:
            with transaction.atomic():
                event = services.event_save(
                    event=event,
                    by=self.request.user,
                    panelists=form.cleaned_data["panelists"],
                    organisers=list(form.cleaned_data["organisers"]),
                )
                updated = (
                    series.series_apply_later(
                        before=before,
                        event=event,
                        changed=form.changed_data,
                        panelists=form.cleaned_data["panelists"],
                        organisers=list(form.cleaned_data["organisers"]),
                        by=self.request.user,
                    )
                    if later and before is not None
                    else 0
                )
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        if later:
            messages.success(
                self.request,
                f"Saved, and {updated} later date{'s' if updated != 1 else ''} "
                "changed the same way.",
            )
        else:
            messages.success(self.request, "Saved.")
        return redirect(event.get_absolute_url())


class EventCopyView(MemberEventMixin, FormView):
    """Copy an event to a new date: everything but its RSVPs, as a draft."""

    permission_required = MANAGE
    template_name = "events/event_copy.html"

    def get_form(self, form_class=None):
        return forms.EventCopyForm(**self.get_form_kwargs())

    def get_context_data(self, **kwargs):
        return super().get_context_data(event=self.get_event(), **kwargs)

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response

    def form_valid(self, form):
        try:
            copy = series.event_copy(
                event=self.get_event(),
                starts_at=form.cleaned_data["starts_at"],
                by=self.request.user,
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            "Copied as a draft, without RSVPs: check it, then publish it.",
        )
        return redirect(copy.get_absolute_url())


class EventRepeatView(MemberEventMixin, FormView):
    """Make an event the first date of a weekly or monthly series: the dates
    are listed first, then created."""

    permission_required = MANAGE
    template_name = "events/event_repeat.html"

    def get_form(self, form_class=None):
        return forms.EventRepeatForm(event=self.get_event(), **self.get_form_kwargs())

    def get_context_data(self, **kwargs):
        return super().get_context_data(event=self.get_event(), **kwargs)

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response

    def form_valid(self, form):
        event = self.get_event()
        if "create" not in self.request.POST:
            return self.render_to_response(
                self.get_context_data(form=form, dates=form.cleaned_data["dates"])
            )
        try:
            made = series.series_create(
                event=event, rule=form.cleaned_data["rule"], by=self.request.user
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        n = made.events.count()
        messages.success(self.request, f"This event now repeats: {n} dates in all.")
        return redirect(event.get_absolute_url())


def nudged_message(done: services.Nudged) -> str:
    def people(n: int) -> str:
        return f"{n} member{'s' if n != 1 else ''}"

    if done.queued:
        text = f"Reminder on its way to {people(done.queued)} who haven't answered."
        if done.earlier:
            text += f" {people(done.earlier)} already had one today."
        return text
    if done.earlier:
        return (
            f"Nothing sent: the {people(done.earlier)} who haven't answered already "
            "had a reminder today (one a day at most)."
        )
    return "Nothing sent: everyone has answered (or turned event reminders off)."


class EventActionView(MemberEventMixin, View):
    """Publish, cancel, or nudge those who haven't answered (POST). Publishing
    and cancelling email many people: a confirm page says how many first."""

    permission_required = MANAGE

    def scope(self) -> str | None:
        """For a date of a series: publish "this" date or "all" its drafts."""
        scope = self.request.POST.get("scope")
        return scope if scope in ("this", "all") else None

    def confirm(self, event: Event, action: str):
        back = event.get_absolute_url()
        if action == "publish" and event.status == Event.Status.DRAFT:
            counts = notification_selectors.audience_counts(
                event.audience, Category.EVENT_ANNOUNCEMENTS
            )
            n = counts["recipients"]
            if not counts["matching"]:
                return None  # the service refuses it, with the reason
            if event.series_id and self.scope() is None:
                return self.series_choice(event, counts)
            plan = series.publish_plan(event, all_dates=self.scope() == "all")
            if not plan.announce:
                return None  # the series was announced: nobody is emailed now
            dates = len(plan.dates)
            lines = [
                f"Audience: {segment_label(event.audience)}.",
                f"The announcement goes to {n} member{'s' if n != 1 else ''} now"
                + (f", one email naming the {dates} dates." if dates > 1 else "."),
            ]
            if dates > 1:
                lines.append(
                    "The dates: "
                    + "; ".join(
                        f"{timezone.localtime(d.starts_at):%a %-d %b %Y}"
                        for d in plan.dates
                    )
                    + "."
                )
            if event.series_id:
                lines.append(
                    "The series is announced once: dates published after these "
                    "send no email."
                )
            if counts["skipped"]:
                lines.append(
                    f"{counts['skipped']} turned event announcements off and "
                    "will not be emailed (they still see the event)."
                )
            return confirm_step(
                self.request,
                Confirmation(
                    title=f"Publish {dates} dates of “{event.title}” and announce them?"
                    if dates > 1
                    else f"Publish “{event.title}” and announce it?",
                    lines=lines,
                    button=f"Publish and email {n} member{'s' if n != 1 else ''}",
                    cancel_url=back,
                    facts=(
                        "publish",
                        event.pk,
                        event.updated_at,
                        n,
                        [d.pk for d in plan.dates],
                    ),
                    repost={"action": "publish", "scope": self.scope() or "this"},
                ),
            )
        if action == "cancel" and event.status != Event.Status.CANCELLED:
            told = event.rsvps.filter(
                status__in=[*Rsvp.SEATED, Rsvp.Status.WAITLIST]
            ).count()
            return confirm_step(
                self.request,
                Confirmation(
                    title=f"Cancel “{event.title}”?",
                    lines=[
                        f"{told} member{'s' if told != 1 else ''} who said yes, "
                        "were offered a seat or are waiting will be emailed.",
                    ],
                    button="Cancel the event and tell them",
                    cancel_url=back,
                    facts=("cancel", event.pk, told),
                    repost={"action": "cancel"},
                    danger=True,
                    warning="A cancelled event can't be published again.",
                ),
            )
        return None

    def post(self, request, pk: int):
        event = self.get_event()
        action = request.POST.get("action")
        if page := self.confirm(event, action):
            return page
        try:
            if action == "publish":
                event = services.event_publish(
                    event=event, by=request.user, series_dates=self.scope() == "all"
                )
                messages.success(request, self.published_message(event))
            elif action == "cancel":
                services.event_cancel(event=event, by=request.user)
                messages.success(request, "Cancelled. Everyone who answered is told.")
            elif action == "nudge":
                done = services.event_nudge(event=event, by=request.user)
                messages.success(request, nudged_message(done))
            else:
                messages.error(request, "Unknown action.")
        except ValidationError as exc:
            refuse(request, exc)
        return redirect(event.get_absolute_url())

    def series_choice(self, event: Event, counts: dict):
        """Publish this date only, or all the series' drafts still to come."""
        plan = series.publish_plan(event, all_dates=True)
        return render(
            self.request,
            "events/event_publish_series.html",
            {
                "event": event,
                "plan": plan,
                "recipients": counts["recipients"],
            },
        )

    @staticmethod
    def published_message(event: Event) -> str:
        n = len(event.published_dates)
        if not event.series_id:
            return "Published. The announcement is on its way to the audience."
        published = f"Published {n} date{'s' if n != 1 else ''}."
        if event.announcement_id:
            return f"{published} The announcement is on its way to the audience."
        return (
            f"{published} The series was announced already, so no email went out: "
            "members find the dates on the calendar."
        )


class RemindersView(MemberEventMixin, FormView):
    """The event's reminders: offsets before the start, each with its subject."""

    permission_required = MANAGE
    template_name = "events/event_reminders.html"
    form_class = forms.ReminderFormSet

    def get_form(self, form_class=None):
        event = self.get_event()
        initial = [
            {
                "hours_before": r.minutes_before / 60,
                "subject": r.subject,
            }
            for r in event.reminders.all()
        ]
        if self.request.method == "POST":
            return forms.ReminderFormSet(self.request.POST, initial=initial)
        return forms.ReminderFormSet(initial=initial)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        event = self.get_event()
        context.update(
            event=event,
            later_count=series.dates_to_come_after(event, self.request.user).count()
            if event.series_id
            else 0,
            apply_to=self.request.POST.get("apply_to", "this"),
        )
        return context

    def form_valid(self, formset):
        event = self.get_event()
        rules = [
            (int(f.cleaned_data["hours_before"] * 60), f.cleaned_data["subject"])
            for f in formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        later = event.series_id and self.request.POST.get("apply_to") == "later"
        try:
            with transaction.atomic():
                services.reminders_set(event=event, rules=rules)
                updated = (
                    series.reminders_apply_later(
                        event=event, rules=rules, by=self.request.user
                    )
                    if later
                    else 0
                )
        except ValidationError as exc:
            add_errors(formset, exc)
            return self.form_invalid(formset)
        if later:
            messages.success(
                self.request,
                f"Reminders saved here and on {updated} later "
                f"date{'s' if updated != 1 else ''}.",
            )
        else:
            messages.success(self.request, "Reminders saved.")
        return redirect(event.get_absolute_url())


class ReportView(PortalPermissionRequiredMixin, TemplateView):
    """GME's report for one academic year (?year=2025 means 2025–26)."""

    permission_required = MANAGE
    template_name = "events/report.html"

    def year(self) -> int:
        current = academic_year_of(timezone.localdate())
        try:
            year = int(self.request.GET.get("year", current))
        except ValueError:
            return current
        return year if 2000 <= year <= current + 1 else current

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = selectors.gme_report(year=self.year())
        current = academic_year_of(timezone.localdate())
        top = max(
            [r["attended"] or 0 for r in report["rows"]]
            + [r["going"] for r in report["rows"]]
            + [1]
        )
        money = report["money"]
        money_top = max(
            [money[w]["budget"] for w in money] + [money[w]["spent"] for w in money]
        )
        context.update(
            report=report,
            sections=[
                ("past", "Held", [r for r in report["rows"] if r["past"]]),
                ("upcoming", "Upcoming", [r for r in report["rows"] if not r["past"]]),
            ],
            money_bars=selectors.money_bars(report),
            money_totals=[
                {
                    "label": label,
                    **money[when],
                    "budget_width": selectors.bar_width(
                        money[when]["budget"], money_top
                    ),
                    "spent_width": selectors.bar_width(money[when]["spent"], money_top),
                }
                for when, label in (("past", "Held"), ("upcoming", "Upcoming"))
            ],
            breakdowns=[
                ("by-stage", "By training stage", "Stage", report["by_stage"]),
                (
                    "by-visa",
                    "By visa status (counts only)",
                    "Visa status",
                    report["by_visa"],
                ),
            ],
            years=[
                (y, f"{y}–{str(y + 1)[2:]}")
                for y in range(current + 1, current - 6, -1)
            ],
            chart_top=top,
            today=timezone.localdate(),
        )
        return context


class ReportPrintView(ReportView):
    """The same report laid out for paper (or a PDF from the browser's Print)."""

    template_name = "events/report_print.html"


class ReportCsvView(ReportView):
    def get(self, request, *args, **kwargs):
        report = selectors.gme_report(year=self.year())
        return csv_response(
            f"gme-events-{report['year']}-{report['year'] + 1}.csv",
            [
                "Date",
                "Event",
                "Kind",
                "Status",
                "Held or upcoming",
                "Funding",
                "Budget (USD)",
                "Actual cost (USD)",
                "Said yes (with guests)",
                "Attended (with guests)",
                "Attended members",
                "Attended guests",
                "Cost per attendee (USD)",
                "Over budget (USD)",
            ],
            (
                (
                    timezone.localtime(row["event"].starts_at).strftime("%Y-%m-%d"),
                    row["event"].title,
                    row["event"].get_kind_display(),
                    row["event"].get_status_display(),
                    "held" if row["past"] else "upcoming",
                    row["event"].funding_source
                    if row["event"].funding == "other"
                    else "GME",
                    row["event"].budget,
                    row["event"].actual_cost,
                    row["going"],
                    row["attended"],
                    row["attended_members"] if row["past"] else None,
                    row["attended_guests"] if row["past"] else None,
                    row["cost_per_attendee"],
                    row["over_budget"],
                )
                for row in report["rows"]
            ),
        )
