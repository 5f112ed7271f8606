from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError

from members import services
from members.models import Member, Specialty, User


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


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "training_stage", "specialty", "joined_at"]
    list_filter = ["status", "training_stage", "visa_status"]
    search_fields = ["user__email", "user__first_name", "user__last_name"]
    list_select_related = ["user", "specialty"]
    raw_id_fields = ["user", "approved_by"]
    readonly_fields = ["status", "approved_at", "approved_by"]
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
