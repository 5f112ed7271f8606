import calendar
import re
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from events import forms, rsvps, selectors, services
from events.ics import event_calendar
from events.models import CalendarFeed, Event, Rsvp
from events.permissions import (
    MANAGE,
    audience_reveals_visa,
    can_manage_events,
    can_run,
    can_see_attendees,
)
from imgportal.confirm import Confirmation, confirm_step
from imgportal.csv_export import csv_response
from imgportal.form_errors import add_errors, error_text, field_errors, refuse
from imgportal.hooks import CALENDAR_ENTRIES
from imgportal.params import as_id, id_or_404, search_text
from members import selectors as member_selectors
from members.actions import actions_for
from members.permissions import PortalPermissionRequiredMixin
from members.rules import academic_year_of
from members.selectors import segment_label
from notifications import selectors as notification_selectors
from notifications.models import Category


class MemberEventMixin(PortalPermissionRequiredMixin):
    """Loads the viewer's member profile and an event they may see (else 404)."""

    def get_member(self):
        if not hasattr(self, "_member"):
            self._member = member_selectors.member_for_user(self.request.user)
        return self._member

    def get_event(self) -> Event:
        if not hasattr(self, "_event"):
            try:
                self._event = selectors.event_for(
                    viewer=self.request.user,
                    member=self.get_member(),
                    pk=self.kwargs["pk"],
                )
            except Event.DoesNotExist:
                raise Http404("No such event") from None
        return self._event


class RunEventMixin(MemberEventMixin):
    """Organiser pages: managers for every event, organisers for theirs."""

    def check_can_run(self) -> Event:
        event = self.get_event()
        if not can_run(self.request.user, event):
            raise PermissionDenied
        return event

    def check_can_see_attendees(self) -> Event:
        """Pages that name attendees (and their changes)."""
        event = self.check_can_run()
        if not can_see_attendees(self.request.user, event):
            raise PermissionDenied
        return event

    def attendee_counts(self, event: Event) -> dict:
        return {
            "names_hidden": True,
            "going": event.rsvps.filter(status=Rsvp.Status.YES).aggregate(
                n=Coalesce(Sum(F("guests") + 1), 0)
            )["n"],
            "waiting": event.rsvps.filter(
                status__in=[Rsvp.Status.WAITLIST, Rsvp.Status.OFFERED]
            ).count(),
            "checked_in": selectors.people_here(event),
        }


# --- Browsing -------------------------------------------------------------------


class EventListView(MemberEventMixin, ListView):
    """Upcoming events (or past ones with ?when=past), with the viewer's answer."""

    template_name = "events/event_list.html"
    context_object_name = "events"
    paginate_by = 20

    def past(self) -> bool:
        return self.request.GET.get("when") == "past"

    def get_queryset(self):
        return selectors.events_for_list(
            viewer=self.request.user, member=self.get_member(), past=self.past()
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            past=self.past(),
            can_manage=can_manage_events(self.request.user),
            today=timezone.localdate(),
        )
        return context


class EventCalendarView(MemberEventMixin, TemplateView):
    """A month grid (?month=2026-11), weeks starting on Sunday."""

    template_name = "events/event_calendar.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        try:
            first = date.fromisoformat(f"{self.request.GET.get('month', '')}-01")
        except ValueError:
            first = today.replace(day=1)
        if not 2000 <= first.year <= 2100:
            first = today.replace(day=1)
        tz = timezone.get_current_timezone()
        grid = calendar.Calendar(firstweekday=6).monthdatescalendar(
            first.year, first.month
        )
        start = datetime.combine(grid[0][0], datetime.min.time(), tzinfo=tz)
        end = datetime.combine(
            grid[-1][-1] + timedelta(days=1), datetime.min.time(), tzinfo=tz
        )
        by_day: dict[date, list[Event]] = {}
        for event in selectors.events_in_month(
            viewer=self.request.user, member=self.get_member(), start=start, end=end
        ):
            by_day.setdefault(timezone.localdate(event.starts_at), []).append(event)
        previous = (first - timedelta(days=1)).replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        context.update(
            month=first,
            weeks=[[(day, by_day.get(day, [])) for day in week] for week in grid],
            weekday_names=[calendar.day_abbr[(6 + i) % 7] for i in range(7)],
            previous=previous,
            following=following,
            today=today,
        )
        return context


class EventDetailView(MemberEventMixin, TemplateView):
    template_name = "events/event_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        event = self.get_event()
        member = self.get_member()
        rsvp = selectors.my_rsvp(event, member)
        runs = can_run(self.request.user, event)
        context.update(
            event=event,
            rsvp=rsvp,
            waitlist_place=selectors.waitlist_place(rsvp),
            going=rsvp is not None and rsvp.status == Rsvp.Status.YES,
            show_online=runs or (rsvp is not None and rsvp.status == Rsvp.Status.YES),
            can_run=runs,
            can_manage=can_manage_events(self.request.user),
            rsvp_form=kwargs.get("rsvp_form")
            or forms.RsvpForm(initial={"guests": rsvp.guests if rsvp else 0}),
            closed_reason=rsvps._closed_reason(event, member)
            if member is not None
            else "Only members can answer.",
            free_seats=None
            if event.capacity is None
            else max(event.capacity - event.seats_taken, 0),
            attended=member is not None
            and event.attendances.filter(member=member).exists(),
            audience_counts=notification_selectors.audience_counts(
                event.audience, Category.EVENT_ANNOUNCEMENTS
            )
            if can_manage_events(self.request.user) and event.status == "draft"
            else None,
            actions=actions_for(event)
            if can_manage_events(self.request.user)
            else None,
        )
        return context


class EventRsvpView(MemberEventMixin, View):
    """POST yes (with guests) or no; errors come back on the event's page."""

    def post(self, request, pk: int):
        event = self.get_event()
        member = self.get_member()
        answer = request.POST.get("answer")
        form = forms.RsvpForm(request.POST)
        try:
            if answer == "yes":
                if not form.is_valid():
                    raise ValidationError({"guests": form.errors["guests"]})
                rsvp = rsvps.rsvp_yes(
                    event=event, member=member, guests=form.cleaned_data["guests"] or 0
                )
                if rsvp.status == Rsvp.Status.WAITLIST:
                    messages.info(
                        request,
                        "The event is full: you're on the waitlist. We'll email you "
                        "if a seat frees up.",
                    )
                else:
                    messages.success(request, "You're going. See you there!")
            elif answer == "no":
                rsvps.rsvp_no(event=event, member=member)
                messages.success(request, "Thanks for letting us know.")
            else:
                messages.error(request, "Choose yes or no.")
        except ValidationError as exc:
            if guest_errors := field_errors(exc, "guests"):
                form = forms.RsvpForm(request.POST)
                form.is_valid()
                form.errors["guests"] = form.error_class(guest_errors)
                view = EventDetailView(request=request, kwargs=self.kwargs)
                view._member, view._event = member, event
                return render(
                    request,
                    view.template_name,
                    view.get_context_data(rsvp_form=form),
                    status=400,
                )
            refuse(request, exc)
        except IntegrityError:
            # Two clicks at once: the unique constraint kept one answer.
            pass
        return redirect(event.get_absolute_url())


class EventIcsView(MemberEventMixin, View):
    """The event's .ics; the online link only for those going (and organisers)."""

    def get(self, request, pk: int):
        event = self.get_event()
        rsvp = selectors.my_rsvp(event, self.get_member())
        show = can_run(request.user, event) or (
            rsvp is not None and rsvp.status == Rsvp.Status.YES
        )
        response = HttpResponse(
            event_calendar([event], show_online_for={event.pk} if show else set()),
            content_type="text/calendar; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="event-{event.pk}.ics"'
        return response


class OfferView(View):
    """A waitlist offer link from an email: GET shows the confirm button (mail
    scanners fetch links), POST takes the seat. The signed token is the authority,
    so it works on a phone that isn't signed in."""

    template_name = "events/offer_confirm.html"

    def get(self, request, token: str):
        rsvp = rsvps.offer_from_token(token)
        if rsvp is None:
            return render(request, self.template_name, {"invalid": True}, status=400)
        return render(request, self.template_name, {"rsvp": rsvp, "token": token})

    def post(self, request, token: str):
        rsvp = rsvps.offer_from_token(token)
        if rsvp is None:
            return render(request, self.template_name, {"invalid": True}, status=400)
        try:
            rsvp = rsvps.offer_accept(rsvp=rsvp)
        except ValidationError as exc:
            return render(
                request,
                self.template_name,
                {"rsvp": rsvp, "error": error_text(exc)},
                status=409,
            )
        return render(request, self.template_name, {"rsvp": rsvp, "done": True})


# What secrets.token_urlsafe writes; anything else (a NUL, a space) is no address.
FEED_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


class CalendarFeedView(View):
    """A member's subscribed calendar: the secret token is the only key."""

    def get(self, request, token: str):
        if not FEED_TOKEN.fullmatch(token):
            return HttpResponse(
                "Not a calendar address.", status=400, content_type="text/plain"
            )
        feed = (
            CalendarFeed.objects.select_related("member__user")
            .filter(Q(token=token) | Q(private_token=token))
            .first()
        )
        if feed is None or not feed.member.user.is_active:
            raise Http404("No such calendar")
        events = list(selectors.my_events(feed.member))
        # Events for a visa segment tell whoever reads the feed the member's
        # status: they go with the deadlines into the private feed only.
        private = token == feed.private_token
        events = [e for e in events if audience_reveals_visa(e) == private]
        if private:
            calendar = event_calendar(
                events,
                show_online_for={e.pk for e in events},
                name="My visa deadlines and events (private)",
                extras=[
                    c
                    for entries in CALENDAR_ENTRIES.values()
                    for c in entries(feed.member)
                ],
            )
        else:
            calendar = event_calendar(
                events, show_online_for={e.pk for e in events}, name="IMG group events"
            )
        return HttpResponse(calendar, content_type="text/calendar; charset=utf-8")


class MyCalendarView(MemberEventMixin, TemplateView):
    """The member's feed address, and a button that replaces it."""

    template_name = "events/my_calendar.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        feed = services.calendar_feed_for(self.get_member())
        context.update(feed=feed, **self._addresses("feed", feed.token))
        if feed.private_token:
            context.update(self._addresses("private", feed.private_token))
        return context

    def _addresses(self, prefix: str, token: str) -> dict[str, str]:
        url = self.request.build_absolute_uri(reverse("events:feed", args=[token]))
        webcal = url.replace("https://", "webcal://").replace("http://", "webcal://")
        return {f"{prefix}_url": url, f"webcal_{prefix}_url": webcal}

    ACTIONS = {
        "reset": "Your events calendar has a new address: the old one no longer "
        "works. Subscribe again with the new one.",
        "private_on": "Your private deadlines calendar is on. Subscribe to its "
        "address; keep it to yourself.",
        "private_reset": "Your private deadlines calendar has a new address: the "
        "old one no longer works.",
        "private_off": "Your private deadlines calendar is off: its address no "
        "longer works.",
    }

    def post(self, request):
        action = request.POST.get("action")
        member = self.get_member()
        if action not in self.ACTIONS:
            messages.error(request, "Choose what to change; nothing was changed.")
            return redirect("events:my_calendar")
        if action == "reset":
            services.calendar_feed_reset(member)
        else:
            services.calendar_private_feed_set(
                member, on=action != "private_off", new=action == "private_reset"
            )
        messages.success(request, self.ACTIONS[action])
        return redirect("events:my_calendar")


# --- Organising -----------------------------------------------------------------


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
        event = form.save(commit=False)
        event.audience = form.audience()
        try:
            event = services.event_save(
                event=event,
                by=self.request.user,
                panelists=form.cleaned_data["panelists"],
                organisers=list(form.cleaned_data["organisers"]),
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "Saved.")
        return redirect(event.get_absolute_url())


class EventActionView(MemberEventMixin, View):
    """Publish, cancel, or nudge those who haven't answered (POST). Publishing
    and cancelling email many people: a confirm page says how many first."""

    permission_required = MANAGE

    def confirm(self, event: Event, action: str):
        back = event.get_absolute_url()
        if action == "publish" and event.status == Event.Status.DRAFT:
            counts = notification_selectors.audience_counts(
                event.audience, Category.EVENT_ANNOUNCEMENTS
            )
            n = counts["recipients"]
            if not counts["matching"]:
                return None  # the service refuses it, with the reason
            lines = [
                f"Audience: {segment_label(event.audience)}.",
                f"The announcement goes to {n} member{'s' if n != 1 else ''} now.",
            ]
            if counts["skipped"]:
                lines.append(
                    f"{counts['skipped']} turned event announcements off and "
                    "will not be emailed (they still see the event)."
                )
            return confirm_step(
                self.request,
                Confirmation(
                    title=f"Publish “{event.title}” and announce it?",
                    lines=lines,
                    button=f"Publish and email {n} member{'s' if n != 1 else ''}",
                    cancel_url=back,
                    facts=("publish", event.pk, event.updated_at, n),
                    repost={"action": "publish"},
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
                event = services.event_publish(event=event, by=request.user)
                messages.success(
                    request,
                    "Published. The announcement is on its way to the audience.",
                )
            elif action == "cancel":
                services.event_cancel(event=event, by=request.user)
                messages.success(request, "Cancelled. Everyone who answered is told.")
            elif action == "nudge":
                count = services.event_nudge(event=event, by=request.user)
                messages.success(
                    request,
                    f"Reminder queued for {count} member{'s' if count != 1 else ''} "
                    "who haven't answered.",
                )
            else:
                messages.error(request, "Unknown action.")
        except ValidationError as exc:
            refuse(request, exc)
        return redirect(event.get_absolute_url())


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
        context["event"] = self.get_event()
        return context

    def form_valid(self, formset):
        rules = [
            (int(f.cleaned_data["hours_before"] * 60), f.cleaned_data["subject"])
            for f in formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        try:
            services.reminders_set(event=self.get_event(), rules=rules)
        except ValidationError as exc:
            add_errors(formset, exc)
            return self.form_invalid(formset)
        messages.success(self.request, "Reminders saved.")
        return redirect(self.get_event().get_absolute_url())


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
        rsvp = get_object_or_404(
            event.rsvps.select_related("member"), pk=id_or_404(request.POST.get("rsvp"))
        )
        present = request.POST.get("present")
        if present == "1":
            try:
                services.attendance_mark(
                    event=event,
                    member=rsvp.member,
                    by=request.user,
                    guests=as_id(request.POST.get("guests")),
                )
            except ValidationError as exc:
                refuse(request, exc)
        elif present == "0":
            services.attendance_unmark(event=event, member=rsvp.member, by=request.user)
        else:
            messages.error(request, "Choose Check in or undo; nothing changed.")
        url = reverse("events:checkin", args=[event.pk])
        query = search_text(request.POST.get("q"))
        if query:
            url = f"{url}?{urlencode({'q': query})}"
        return redirect(f"{url}#rsvp-{rsvp.pk}")


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
            services.checkin_with_code(
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
            services.feedback_submit(
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
        context.update(
            report=report,
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
        )
        return context


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
                "Funding",
                "Budget (USD)",
                "Actual cost (USD)",
                "Said yes (with guests)",
                "Attended (with guests)",
                "Cost per attendee (USD)",
            ],
            (
                (
                    timezone.localtime(row["event"].starts_at).strftime("%Y-%m-%d"),
                    row["event"].title,
                    row["event"].get_kind_display(),
                    row["event"].get_status_display(),
                    row["event"].funding_source
                    if row["event"].funding == "other"
                    else "GME",
                    row["event"].budget,
                    row["event"].actual_cost,
                    row["going"],
                    row["attended"],
                    row["cost_per_attendee"],
                )
                for row in report["rows"]
            ),
        )
