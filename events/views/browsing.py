"""Members' event pages: the list, the month calendar, an event with its RSVP,
.ics files and the personal calendar feed, and waitlist seat offers."""

import calendar
import re
from datetime import date, datetime, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views import View
from django.views.generic import ListView, TemplateView

from events import codes, forms, registration, rsvps, selectors, services
from events.ics import event_calendar, series_calendar
from events.models import CalendarFeed, Event, Rsvp
from events.permissions import (
    KEEPS_STATUS_TRACKER,
    audience_reveals_visa,
    can_manage_events,
    can_run,
    can_see_attendees,
    events_visible_to,
)
from events.views.mixins import MemberEventMixin
from imgportal.form_errors import error_text, field_errors, refuse
from imgportal.fragments import render_each
from imgportal.hooks import CALENDAR_ENTRIES
from imgportal.identity import group_identity
from members.actions import actions_for
from notifications import selectors as notification_selectors
from notifications.models import Category


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
            rows=render_each(
                "events/cards/event_row.html",
                [event_row(event) for event in context["events"]],
            ),
        )
        return context


def event_row(event) -> dict:
    """An event's row in the list as plain values, the viewer's own answer
    included: the row's cache key (imgportal/fragments.py)."""
    starts = timezone.localtime(event.starts_at)
    return {
        "url": event.get_absolute_url(),
        "title": event.title,
        "status": event.status,
        "kind": str(event.get_kind_display()),
        "starts_iso": starts.isoformat(),
        "starts_text": date_format(starts, "DATETIME_FORMAT"),
        "place": event.place,
        "online": bool(event.online_url),
        "my_status": getattr(event, "my_status", None) or "",
        "capacity": event.capacity or 0,
        "seats_taken": event.seats_taken,
    }


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
            sees_attendees=runs and can_see_attendees(self.request.user, event),
            sent_messages=list(event.messages.select_related("sent_by__member")[:20])
            if runs
            else [],
            can_manage=can_manage_events(self.request.user),
            rsvp_form=kwargs.get("rsvp_form")
            or forms.RsvpForm(
                event=event,
                rsvp=rsvp
                if rsvp is not None and rsvp.status != Rsvp.Status.NO
                else None,
            ),
            my_answers=registration.answer_rows(event.questions.all(), rsvp)
            if rsvp is not None
            else [],
            checkin_code=codes.personal_code(rsvp)
            if rsvp is not None and rsvp.status in Rsvp.SEATED
            else None,
            closed_reason=(
                "Write to the organisers if you think that's a mistake."
                if rsvp is not None and rsvp.status == Rsvp.Status.REFUSED
                else rsvps._closed_reason(event, member)
            )
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


def updated_message(rsvp: Rsvp) -> str:
    """A second "yes" (guests or answers changed): what holds now."""
    guests = rsvp.guests
    who = f"you and {guests} guest{'s' if guests != 1 else ''}" if guests else "you"
    if rsvp.status == Rsvp.Status.PENDING:
        return (
            f"Saved. Your request (for {who}) is still with the organisers: we'll "
            "email you when they decide."
        )
    if rsvp.status == Rsvp.Status.WAITLIST:
        return f"Saved. You're still on the waitlist (for {who})."
    return f"Saved: your guests and answers are updated. Going: {who}."


class EventRsvpView(MemberEventMixin, View):
    """POST yes (with guests) or no; errors come back on the event's page."""

    def post(self, request, pk: int):
        event = self.get_event()
        member = self.get_member()
        answer = request.POST.get("answer")
        before = selectors.my_rsvp(event, member)
        was = before.status if before else None
        form = forms.RsvpForm(request.POST, event=event, rsvp=before)
        try:
            if answer == "yes":
                if not form.is_valid():
                    return self._again(form)
                rsvp = rsvps.rsvp_yes(
                    event=event,
                    member=member,
                    guests=form.guests(),
                    answers=form.answers(),
                )
                if rsvp.status == was:
                    messages.success(request, updated_message(rsvp))
                elif rsvp.status == Rsvp.Status.PENDING:
                    messages.info(
                        request,
                        "Your request is with the organisers: we'll email you when "
                        "they approve or decline it.",
                    )
                elif rsvp.status == Rsvp.Status.WAITLIST:
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
                form.add_error(None, guest_errors)
                return self._again(form)
            refuse(request, exc)
        except IntegrityError:
            # Two clicks at once: the unique constraint kept one answer.
            pass
        return redirect(event.get_absolute_url())

    def _again(self, form):
        """The event's page with the form as typed and its errors beside it."""
        view = EventDetailView(request=self.request, kwargs=self.kwargs)
        view._member, view._event = self.get_member(), self.get_event()
        return render(
            self.request,
            view.template_name,
            view.get_context_data(rsvp_form=form),
            status=400,
        )


class SeriesIcsView(MemberEventMixin, View):
    """The whole series as one repeating calendar event (RRULE and exceptions)."""

    def get(self, request, pk: int):
        event = self.get_event()
        if event.series is None:
            raise Http404("This event doesn't repeat")
        dates = list(event.series.events.all())
        visible = set(
            events_visible_to(request.user)
            .filter(series_id=event.series_id)
            .values_list("pk", flat=True)
        )
        response = HttpResponse(
            series_calendar(event.series, dates, visible=visible),
            content_type="text/calendar; charset=utf-8",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="event-series-{event.series_id}.ics"'
        )
        return response


class EventIcsView(MemberEventMixin, View):
    """The event's .ics; the online link only for those going (and organisers)."""

    def get(self, request, pk: int):
        event = self.get_event()
        rsvp = selectors.my_rsvp(event, self.get_member())
        show = can_run(request.user, event) or (
            rsvp is not None and rsvp.status == Rsvp.Status.YES
        )
        response = HttpResponse(
            event_calendar(
                [event],
                show_online_for={event.pk} if show else set(),
                alarm_minutes=services.calendar_alarm_for(self.get_member()),
            ),
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
                alarm_minutes=feed.alarm_minutes,
                extras=[
                    c
                    for entries in CALENDAR_ENTRIES.values()
                    for c in entries(feed.member)
                ],
            )
        else:
            calendar = event_calendar(
                events,
                show_online_for={e.pk for e in events},
                name=f"{group_identity().short_name} events",
                alarm_minutes=feed.alarm_minutes,
            )
        return HttpResponse(calendar, content_type="text/calendar; charset=utf-8")


class MyCalendarView(MemberEventMixin, TemplateView):
    """The member's feed address, and a button that replaces it."""

    template_name = "events/my_calendar.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        feed = services.calendar_feed_for(self.get_member())
        context.setdefault(
            "alarm_form",
            forms.CalendarAlarmForm(initial={"alarm_minutes": feed.alarm_minutes}),
        )
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
        if action == "alarm":
            form = forms.CalendarAlarmForm(request.POST)
            if not form.is_valid():
                return self.render_to_response(
                    self.get_context_data(alarm_form=form), status=400
                )
            feed = services.calendar_alarm_set(
                member, form.cleaned_data["alarm_minutes"]
            )
            messages.success(
                request,
                f"Your calendar will alert you {feed.get_alarm_minutes_display()}"
                " each event."
                if feed.alarm_minutes
                else "Your calendar will not alert you before events.",
            )
            return redirect("events:my_calendar")
        if action not in self.ACTIONS:
            messages.error(request, "Choose what to change; nothing was changed.")
            return redirect("events:my_calendar")
        if action in ("private_on", "private_reset") and not request.user.has_perm(
            KEEPS_STATUS_TRACKER
        ):
            # GME staff and others without a status tracker: no deadlines
            # (one turned on before their role changed can still be turned off).
            messages.error(request, "You have no status tracker, so no deadlines.")
            return redirect("events:my_calendar")
        if action == "reset":
            services.calendar_feed_reset(member)
        else:
            services.calendar_private_feed_set(
                member, on=action != "private_off", new=action == "private_reset"
            )
        messages.success(request, self.ACTIONS[action])
        return redirect("events:my_calendar")
