from django.contrib import admin

from members.admin import ReadOnlyAdmin
from notifications.models import Bounce, BounceReport, EmailPreferences, OutboundEmail

# Bodies may name a member's documents and dates: the admin shows the ledger only.
HIDDEN = ["body_text", "body_html", "attachments", "headers", "stale_check"]


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ["subject", "to", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["to", "subject", "idempotency_key"]
    exclude = HIDDEN
    readonly_fields = [
        f.name for f in OutboundEmail._meta.fields if f.name not in HIDDEN
    ]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(EmailPreferences)
class EmailPreferencesAdmin(ReadOnlyAdmin):
    list_display = [
        "member",
        "unsubscribed",
        "hard_bounces",
        "soft_bounces",
        "suspended_at",
    ]
    list_select_related = ["member__user"]


@admin.register(BounceReport)
class BounceReportAdmin(ReadOnlyAdmin):
    list_display = ["report_id", "source", "outcome", "received_at"]
    list_filter = ["outcome", "source"]


@admin.register(Bounce)
class BounceAdmin(ReadOnlyAdmin):
    list_display = ["member", "kind", "status", "matched_by", "created_at"]
    list_filter = ["kind", "matched_by"]
    list_select_related = ["member__user"]
