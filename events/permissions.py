"""Who may run an event: GME staff and co-leads (the `events.manage_events`
permission) for every event, and the event's own organisers for theirs."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from events.models import Event
from members.permissions import VIEW_VISA_STATUS

MANAGE = "events.manage_events"
# The private deadlines feed carries a member's status-tracker dates: offered
# only to those who keep one (tracker's own permission, named here because
# events does not import tracker).
KEEPS_STATUS_TRACKER = "tracker.keep_own_status"


def can_manage_events(user) -> bool:
    """Create, edit, publish, cancel; see reports."""
    return user.has_perm(MANAGE)


def can_run(user, event: Event) -> bool:
    """Check people in, see who is coming, reorder the waitlist, read feedback."""
    if can_manage_events(user):
        return True
    member = getattr(user, "member", None)
    return member is not None and event.organisers.filter(pk=member.pk).exists()


# Audience filters whose members share a visa status: who comes to such an
# event tells an onlooker their status.
VISA_AUDIENCE_KEYS = ("visa_statuses",)


def audience_reveals_visa(event: Event) -> bool:
    return any(event.audience.get(key) for key in VISA_AUDIENCE_KEYS)


def can_see_attendees(user, event: Event) -> bool:
    """Names of who is coming, waiting and came. For an event whose audience is
    a visa segment only GME staff and co-leads (who may see visa status);
    organisers who are residents get counts and the check-in code."""
    if not can_run(user, event):
        return False
    return not audience_reveals_visa(event) or user.has_perm(VIEW_VISA_STATUS)


def events_visible_to(user) -> QuerySet[Event]:
    """Visitors (not signed in) see published public events; members see
    published and cancelled events; managers see drafts too; organisers see the
    drafts they organise."""
    events = Event.objects.all()
    if not user.is_authenticated:
        return events.filter(
            status=Event.Status.PUBLISHED, visibility=Event.Visibility.PUBLIC
        )
    if can_manage_events(user):
        return events
    member = getattr(user, "member", None)
    visible = Q(status__in=[Event.Status.PUBLISHED, Event.Status.CANCELLED])
    if member is not None:
        # EXISTS rather than a join: a join needs DISTINCT, and DISTINCT makes
        # PostgreSQL compute every event's seat count before it can page them.
        visible |= Q(
            Exists(
                Event.organisers.through.objects.filter(
                    event_id=OuterRef("pk"), member_id=member.pk
                )
            )
        )
    return events.filter(visible)
