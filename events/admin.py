from django.contrib import admin

from events.models import Attendance, Event, Feedback, Panelist, ReminderRule, Rsvp
from members.admin import ReadOnlyAdmin, ReadOnlyInline

# Events, RSVPs, reminders and check-ins change only in the portal, through the
# services that keep seats, waitlists, reminders and calendar sequences right and
# tell the people concerned; the admin only shows them.


class PanelistInline(ReadOnlyInline):
    model = Panelist


class ReminderInline(ReadOnlyInline):
    model = ReminderRule


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = [
        "title",
        "kind",
        "starts_at",
        "status",
        "visibility",
        "funding",
        "capacity",
    ]
    list_filter = ["status", "visibility", "kind", "funding"]
    search_fields = ["title"]
    inlines = [PanelistInline, ReminderInline]
    exclude = ["checkin_code"]


@admin.register(Rsvp)
class RsvpAdmin(ReadOnlyAdmin):
    list_display = ["event", "member", "status", "guests", "waitlist_position"]
    list_filter = ["status"]
    list_select_related = ["event", "member__user"]


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdmin):
    list_display = ["event", "member", "method", "checked_in_at"]
    list_select_related = ["event", "member__user"]


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    """Feedback is anonymous to organisers; the admin does not name its author."""

    list_display = ["event", "rating", "submitted_at"]
    list_select_related = ["event"]
    exclude = ["member"]
