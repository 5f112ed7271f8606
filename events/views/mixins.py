"""What every event page view shares: finding the event a member may see,
and the organisers' check (GME staff, co-leads, the event's own organisers)."""

from django.core.exceptions import PermissionDenied
from django.db.models import F, Sum
from django.db.models.functions import Coalesce
from django.http import Http404

from events import selectors
from events.models import Event, Rsvp
from events.permissions import (
    can_run,
    can_see_attendees,
)
from members import selectors as member_selectors
from members.permissions import PortalPermissionRequiredMixin


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
