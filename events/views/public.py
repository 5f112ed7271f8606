"""What visitors who are not signed in see of events (issue 22): the upcoming
public events, and a public event's page with "Sign in to RSVP". A signed-in
person whose join request waits for the co-leads sees the same pages, scoped
exactly as a visitor's, told they can RSVP once approved.

A visitor sees what the organisers chose to show anyone: the title, time,
place, description and the seats left. Never who is coming, the organisers,
the panelists, the online link or the registration questions. A members-only,
draft or cancelled event, and an id that doesn't exist, all answer the same way
(the sign-in page, which brings a member back to the event), so a visitor can't
tell which events exist. A pending member is sent to the waiting page instead
(sign-in would only send them back), the same for every one of those."""

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.views.generic import ListView, TemplateView

from events import selectors
from events.models import Event
from events.views.browsing import EventDetailView, EventListView, event_row
from imgportal.fragments import render_each
from imgportal.middleware import cache_briefly_for_visitors
from members.permissions import is_awaiting_approval

# Public pages are scoped as for someone not signed in, whoever asks: a pending
# member's account sees members-only events in `events_visible_to`.
VISITOR = AnonymousUser()


def sees_public_pages(user) -> bool:
    """Visitors, and people whose join request is not approved yet."""
    return not user.is_authenticated or is_awaiting_approval(user)


def _cached_for_visitors(request, response):
    if request.user.is_authenticated:
        return response  # a pending member's page: never in a shared cache
    return cache_briefly_for_visitors(response)


class PublicEventListView(ListView):
    """`/events/` for visitors: the upcoming public events, soonest first."""

    template_name = "events/event_list_public.html"
    context_object_name = "events"
    paginate_by = 20

    def get_queryset(self):
        return selectors.events_for_list(viewer=VISITOR, member=None, past=False)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["awaiting_approval"] = is_awaiting_approval(self.request.user)
        context["rows"] = render_each(
            "events/cards/event_row.html",
            [event_row(event) for event in context["events"]],
        )
        return context

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        return _cached_for_visitors(self.request, response)


class PublicEventDetailView(TemplateView):
    """A public event for a visitor: what, when, where, and sign in to RSVP."""

    template_name = "events/event_detail_public.html"

    def get(self, request, *args, **kwargs):
        try:
            self.event = selectors.event_for_visitor(viewer=VISITOR, pk=kwargs["pk"])
        except Event.DoesNotExist:
            if request.user.is_authenticated:
                return redirect("members:pending")
            return redirect_to_login(request.get_full_path())
        return _cached_for_visitors(request, super().get(request, *args, **kwargs))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        event = self.event
        context.update(
            event=event,
            free_seats=None
            if event.capacity is None
            else max(event.capacity - event.seats_taken, 0),
            rsvps_open=event.rsvps_open(),
            is_over=event.has_ended(),
            awaiting_approval=is_awaiting_approval(self.request.user),
        )
        return context


_member_list = EventListView.as_view()
_public_list = PublicEventListView.as_view()
_member_detail = EventDetailView.as_view()
_public_detail = PublicEventDetailView.as_view()


def event_list(request, *args, **kwargs):
    """`/events/`: visitors (and pending members) get the public events,
    signed-in people theirs."""
    if sees_public_pages(request.user):
        return _public_list(request, *args, **kwargs)
    return _member_list(request, *args, **kwargs)


def event_detail(request, *args, **kwargs):
    """An event's page: a visitor (or a pending member) gets the public page, or
    the sign-in (waiting) page for any other event."""
    if sees_public_pages(request.user):
        return _public_detail(request, *args, **kwargs)
    return _member_detail(request, *args, **kwargs)
