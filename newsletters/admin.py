from django.contrib import admin

from members.admin import ReadOnlyAdmin
from newsletters.models import Delivery, Newsletter


@admin.register(Newsletter)
class NewsletterAdmin(ReadOnlyAdmin):
    list_display = ["subject", "status", "scheduled_for", "started_at", "finished_at"]
    list_filter = ["status"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["newsletter", "email", "status", "attempts", "sent_at"]
    list_filter = ["status"]
    search_fields = ["email"]
