from django.contrib import admin

from handbook.models import Chapter, Page, Revision, VisaTimeline
from members.admin import ReadOnlyAdmin


@admin.register(Chapter)
class ChapterAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "order", "visa_chapter"]


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    """Text changes go through revisions in the portal, never here."""

    list_display = ["title", "chapter", "members_only", "last_reviewed_on"]
    list_filter = ["chapter", "members_only"]
    fields = ["chapter", "slug", "order", "members_only", "review_interval_months"]


@admin.register(Revision)
class RevisionAdmin(ReadOnlyAdmin):
    list_display = ["page", "number", "summary", "author", "state", "created_at"]
    list_filter = ["state"]
    list_select_related = ["page", "author"]


@admin.register(VisaTimeline)
class VisaTimelineAdmin(ReadOnlyAdmin):
    """Wait times change in the handbook, where each change keeps its history."""

    list_display = ["country", "visa_type", "post", "wait_days", "last_verified"]
    list_filter = ["visa_type", "is_example"]
