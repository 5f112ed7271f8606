from allauth.socialaccount.models import SocialApp, SocialToken
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError

from members import services
from members.models import (
    ActionLog,
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
from members.permissions import MANAGE_MEMBERS


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_active", "is_staff"]
    search_fields = ["email", "first_name", "last_name"]
    # Roles and access are granted through the portal's services (audited, and the
    # member is told); here they are only shown.
    readonly_fields = ["is_active", "is_staff", "is_superuser", "groups"]
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


class ReadOnlyInline(admin.TabularInline):
    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
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


class LeadershipRoleInline(ReadOnlyInline):
    model = LeadershipRole


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


@admin.register(ActionLog)
class ActionLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "verb", "target_type", "target_id")
    list_filter = ("verb", "target_type")
    list_select_related = ("actor", "target_type")


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
class MemberAdmin(ReadOnlyAdmin):
    """Members are changed in the portal, through services that audit and notify;
    the admin shows them and offers the same two actions, through the same
    services. Visa status is not on the form; filtering by it is logged as the
    member list logs it."""

    list_display = ["__str__", "status", "training_stage", "specialty", "joined_at"]
    list_filter = ["status", "training_stage", "visa_status"]
    search_fields = ["user__email", "user__first_name", "user__last_name"]
    list_select_related = ["user", "specialty"]
    exclude = ["visa_status", "visa_other"]
    inlines = [LeadershipRoleInline]
    actions = ["approve", "deactivate"]

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if any(key.startswith("visa_status") for key in request.GET):
            changelist = getattr(response, "context_data", {}).get("cl")
            if changelist is not None:
                services.visa_views_record(
                    viewer=request.user, members=list(changelist.result_list)
                )
        return response

    def has_manage_permission(self, request) -> bool:
        return request.user.has_perm(MANAGE_MEMBERS)

    @admin.action(description="Approve selected join requests", permissions=["manage"])
    def approve(self, request, queryset):
        self._apply(request, queryset, services.member_approve)

    @admin.action(
        description="Deactivate selected members (signs them out)",
        permissions=["manage"],
    )
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


# Identity providers are configured from the environment only (SOCIALACCOUNT_
# PROVIDERS, imgportal/sso_config.py): no client secret is typed into the
# database, and no IdP token is kept (SOCIALACCOUNT_STORE_TOKENS is off).
for _model in (SocialApp, SocialToken):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
