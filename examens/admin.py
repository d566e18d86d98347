"""The admin: the exam catalogue and organisations are edited here, with an audit event
for every save and delete. Candidates and decisions change through services only."""

from django.contrib import admin
from django.db import transaction
from django.forms.models import model_to_dict

from .audit import record_event
from .models import (
    ApiToken,
    AuditEvent,
    Candidate,
    Component,
    Decision,
    ExamCentre,
    ExamVersion,
    Membership,
    Organisation,
    Regime,
    Room,
    Route,
    RouteRequirement,
    User,
)


def _snapshot(obj) -> dict:
    return {key: value for key, value in model_to_dict(obj).items() if key != "password"}


class AuditedAdmin(admin.ModelAdmin):
    """Writes `<app>.<model>.created|changed|deleted` in the transaction of the save."""

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            verb = "changed" if change else "created"
            fields = sorted(form.changed_data) if change else []
            record_event(
                request.user,
                f"{obj._meta.label_lower}.{verb}",
                obj,
                data={"fields": fields, "values": _snapshot(obj)},
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            record_event(
                request.user,
                f"{obj._meta.label_lower}.deleted",
                obj,
                data={"values": _snapshot(obj)},
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never changed here: these rows change through their app's services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RoomInline(admin.TabularInline):
    model = Room
    extra = 0


class RequirementInline(admin.TabularInline):
    model = RouteRequirement
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ["name", "kind", "cbs_code"]
    list_filter = ["kind"]
    search_fields = ["name", "cbs_code"]
    filter_horizontal = ["contracted_by"]


@admin.register(ExamCentre)
class ExamCentreAdmin(AuditedAdmin):
    list_display = ["name", "organisation", "kind", "city"]
    list_filter = ["kind", "organisation"]


@admin.register(Room)
class RoomAdmin(AuditedAdmin):
    list_display = [
        "name",
        "centre",
        "capacity",
        "step_free",
        "separate_room",
        "large_screen",
        "hearing_loop",
    ]
    list_filter = ["centre"]


@admin.register(Regime)
class RegimeAdmin(AuditedAdmin):
    list_display = ["code", "name_nl", "name_en", "term_years"]


@admin.register(Route)
class RouteAdmin(AuditedAdmin):
    list_display = ["code", "name_nl", "regime", "issued_by_municipality"]
    inlines = [RequirementInline]


@admin.register(Component)
class ComponentAdmin(AuditedAdmin):
    list_display = [
        "code",
        "name_nl",
        "name_en",
        "run_by",
        "delivery",
        "duration_minutes",
        "assessment",
        "fee_cents",
    ]


@admin.register(ExamVersion)
class ExamVersionAdmin(AuditedAdmin):
    list_display = ["code", "component", "level", "max_raw_score", "cutoff_raw", "status"]
    list_filter = ["component", "level", "status"]


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["user", "organisation", "role"]
    list_filter = ["role", "organisation"]


@admin.register(User)
class UserAdmin(AuditedAdmin):
    list_display = ["username", "email", "first_name", "last_name", "is_active"]
    search_fields = ["username", "email"]
    fields = [
        "username",
        "email",
        "first_name",
        "last_name",
        "is_active",
        "is_staff",
        "is_superuser",
    ]


@admin.register(Candidate)
class CandidateAdmin(ReadOnlyAdmin):
    """Read-only here: candidates are registered and changed through the registry services."""

    list_display = ["family_name", "given_names", "masked_bsn", "municipality", "route", "term_end"]
    list_filter = ["municipality", "route"]
    search_fields = ["family_name", "given_names"]
    readonly_fields = ["masked_bsn"]
    exclude = ["bsn"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["candidate", "kind", "component", "decided_on", "decided_for", "withdrawn_at"]
    list_filter = ["kind", "decided_for"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["name", "organisation", "prefix", "scopes", "created_at", "revoked_at"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["pk", "created_at", "actor_label", "action", "object_type", "object_id"]
    list_filter = ["action"]
    search_fields = ["action", "object_id"]
