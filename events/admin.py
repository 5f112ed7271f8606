from django.contrib import admin

from events.models import Attendance, Event, Feedback, Panelist, ReminderRule, Rsvp


class PanelistInline(admin.TabularInline):
    model = Panelist
    extra = 0


class ReminderInline(admin.TabularInline):
    model = ReminderRule
    extra = 0


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "starts_at", "status", "funding", "capacity"]
    list_filter = ["status", "kind", "funding"]
    search_fields = ["title"]
    inlines = [PanelistInline, ReminderInline]
    raw_id_fields = ["organisers", "announcement"]
    readonly_fields = ["sequence", "checkin_code", "created_by"]


@admin.register(Rsvp)
class RsvpAdmin(admin.ModelAdmin):
    list_display = ["event", "member", "status", "guests", "waitlist_position"]
    list_filter = ["status"]
    raw_id_fields = ["event", "member"]


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ["event", "member", "method", "checked_in_at"]
    raw_id_fields = ["event", "member"]


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["event", "rating", "submitted_at"]
    raw_id_fields = ["event", "member"]
