from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError

from members import services
from members.models import (
    AuditEntry,
    CoLeadInvitation,
    CoLeadTerm,
    DeletionRequest,
    ImportJob,
    LeadershipRole,
    Member,
    Program,
    RolloverRun,
    Specialty,
    User,
)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_active", "is_staff"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Name", {"fields": ("first_name", "last_name")}),
        (
            "Access",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),
    )
    filter_horizontal = ["groups"]


@admin.register(Specialty)
class SpecialtyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written only by services: viewable here, never edited or deleted."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["name", "specialty", "institution"]
    list_filter = ["specialty"]
    search_fields = ["name", "institution"]
    list_select_related = ["specialty"]


class LeadershipRoleInline(admin.TabularInline):
    model = LeadershipRole
    extra = 0


@admin.register(LeadershipRole)
class LeadershipRoleAdmin(admin.ModelAdmin):
    list_display = ["member", "kind", "title", "start", "end"]
    list_filter = ["kind"]
    list_select_related = ["member__user"]
    raw_id_fields = ["member"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "member", "actor", "action", "ip_address"]
    list_filter = ["action"]
    list_select_related = ["member__user", "actor"]
    date_hierarchy = "at"


@admin.register(CoLeadTerm)
class CoLeadTermAdmin(ReadOnlyAdmin):
    list_display = ["member", "start", "end"]
    list_select_related = ["member__user"]


@admin.register(CoLeadInvitation)
class CoLeadInvitationAdmin(ReadOnlyAdmin):
    list_display = ["invitee", "invited_by", "handover_on", "status"]
    list_select_related = ["invitee__user", "invited_by__user"]


@admin.register(RolloverRun)
class RolloverRunAdmin(ReadOnlyAdmin):
    list_display = ["academic_year", "applied_at", "applied_by", "undone_at"]


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = ["filename", "uploaded_by", "status", "created_at"]
    exclude = ["content"]


@admin.register(DeletionRequest)
class DeletionRequestAdmin(ReadOnlyAdmin):
    list_display = ["member", "status", "requested_at", "decided_at"]


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "training_stage", "specialty", "joined_at"]
    list_filter = ["status", "training_stage", "visa_status"]
    search_fields = ["user__email", "user__first_name", "user__last_name"]
    list_select_related = ["user", "specialty"]
    raw_id_fields = ["user", "approved_by"]
    readonly_fields = ["status", "approved_at", "approved_by", "anonymised_at"]
    inlines = [LeadershipRoleInline]
    actions = ["approve", "deactivate"]

    @admin.action(description="Approve selected join requests")
    def approve(self, request, queryset):
        self._apply(request, queryset, services.member_approve)

    @admin.action(description="Deactivate selected members (signs them out)")
    def deactivate(self, request, queryset):
        self._apply(request, queryset, services.member_deactivate)

    def _apply(self, request, queryset, service) -> None:
        done = 0
        for member in queryset:
            try:
                service(member=member, by=request.user)
                done += 1
            except ValidationError as exc:
                self.message_user(
                    request, f"{member}: {' '.join(exc.messages)}", messages.WARNING
                )
        self.message_user(request, f"{done} member(s) updated.", messages.SUCCESS)
