from django.contrib import admin

from handbook.models import Chapter, Page, Revision, VisaTimeline


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
class RevisionAdmin(admin.ModelAdmin):
    list_display = ["page", "number", "summary", "author", "state", "created_at"]
    list_filter = ["state"]
    list_select_related = ["page", "author"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(VisaTimeline)
class VisaTimelineAdmin(admin.ModelAdmin):
    list_display = ["country", "visa_type", "post", "wait_days", "last_verified"]
    list_filter = ["visa_type", "is_example"]
