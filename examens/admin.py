"""The admin: the exam catalogue and organisations are edited here, with an audit event
for every save and delete (inlines and many-to-many fields included). Memberships change
through their services; candidates, decisions and tokens are shown only."""

from django.contrib import admin, messages
from django.contrib.auth.models import Group
from django.db import models, transaction
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import record_event
from .exceptions import ExamAdminError
from .models import (
    ApiToken,
    AuditEvent,
    Candidate,
    Component,
    Decision,
    ExamCentre,
    Membership,
    Organisation,
    Regime,
    Room,
    Route,
    RouteRequirement,
    User,
)
from .services import grant_membership, revoke_membership, set_bsn_export

_NEVER_RECORDED = {"password"}


def _plain(value):
    """A form or model value as JSON data: rows by primary key, querysets as sorted lists."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.QuerySet | list | tuple | set):
        return sorted((_plain(item) for item in value), key=str)
    return value


def _snapshot(obj: models.Model) -> dict:
    """Every concrete and many-to-many field of `obj` as it is stored now."""
    values = {}
    for field in obj._meta.concrete_fields:
        if field.name not in _NEVER_RECORDED:
            values[field.name] = _plain(field.value_from_object(obj))
    if obj.pk is not None:
        for field in obj._meta.many_to_many:
            values[field.name] = sorted(getattr(obj, field.name).values_list("pk", flat=True))
    return values


def _changes(form) -> tuple[list[str], dict]:
    """The fields a change form changed, and what they held before."""
    fields = sorted(name for name in form.changed_data if name not in _NEVER_RECORDED)
    return fields, {name: _plain(form.initial.get(name)) for name in fields}


class AuditedAdmin(admin.ModelAdmin):
    """Writes `<app>.<model>.created|changed|deleted` in the transaction of the save.

    Django's change view wraps save_model, save_related (many-to-many fields and
    inline formsets) and the log entry in one transaction; the event is written
    after save_related so that it names every changed field, many-to-many
    included, and each inline row gets an event of its own. A save that changed
    nothing writes no event.
    """

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        if change:
            fields, previous = _changes(form)
        else:
            fields, previous = sorted(set(form.fields) - _NEVER_RECORDED), {}
        inlines = [entry for formset in formsets for entry in getattr(formset, "audited_rows", [])]
        # An inline change is a change of the parent's relation (`requirements` of a route).
        fields += sorted({fs.prefix for fs in formsets if getattr(fs, "audited_rows", None)})
        if not change or fields or inlines:
            data = {"fields": fields, "values": _snapshot(obj)}
            if previous:
                data["previous"] = previous
            if inlines:
                data["inlines"] = inlines
            verb = "changed" if change else "created"
            record_event(request.user, f"{obj._meta.label_lower}.{verb}", obj, data=data)

    def save_formset(self, request, form, formset, change):
        """Save an inline formset and write one event per row it created, changed or deleted."""
        doomed = [
            (row.instance, row.instance.pk, _snapshot(row.instance))
            for row in formset.deleted_forms
            if row.instance.pk is not None
        ]
        super().save_formset(request, form, formset, change)
        rows = []
        for obj in formset.new_objects:
            fields = sorted(set(formset.form.base_fields) - {"id", "DELETE"})
            rows.append(self._audit_row(request, obj, "created", fields, _snapshot(obj)))
        for obj, changed in formset.changed_objects:
            rows.append(self._audit_row(request, obj, "changed", sorted(changed), _snapshot(obj)))
        for obj, pk, values in doomed:
            obj.pk = pk  # Model.delete() cleared it; the event names the row that was
            rows.append(self._audit_row(request, obj, "deleted", sorted(values), values))
            obj.pk = None
        formset.audited_rows = rows

    @staticmethod
    def _audit_row(request, obj, verb: str, fields: list[str], values: dict) -> dict:
        record_event(
            request.user,
            f"{obj._meta.label_lower}.{verb}",
            obj,
            data={"fields": fields, "values": values},
        )
        return {"model": obj._meta.label_lower, "id": obj.pk, "change": verb, "fields": fields}

    def delete_model(self, request, obj):
        with transaction.atomic():
            values = _snapshot(obj)
            record_event(
                request.user,
                f"{obj._meta.label_lower}.deleted",
                obj,
                data={"fields": sorted(values), "values": values},
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
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


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Granted and revoked through the registry services; a role is never edited in place
    (revoke it and grant the other one)."""

    list_display = ["user", "organisation", "role", "may_export_bsn"]
    list_filter = ["role", "organisation", "may_export_bsn"]
    fields = ["user", "organisation", "role"]
    actions = ["allow_bsn_export", "withdraw_bsn_export"]

    def has_change_permission(self, request, obj=None):
        return False

    def _set_bsn_export(self, request, queryset, *, allowed: bool) -> None:
        """Through the service, all or nothing: one refusal writes none of them."""
        try:
            with transaction.atomic():
                for membership in queryset.order_by("pk"):
                    set_bsn_export(membership, actor=request.user, allowed=allowed)
        except ExamAdminError as error:
            self.message_user(request, str(error.message), messages.ERROR)

    @admin.action(description=_("Let the selected officers export BSNs"))
    def allow_bsn_export(self, request, queryset):
        self._set_bsn_export(request, queryset, allowed=True)

    @admin.action(description=_("Stop the selected officers exporting BSNs"))
    def withdraw_bsn_export(self, request, queryset):
        self._set_bsn_export(request, queryset, allowed=False)

    def _refusal(self, request, error: ExamAdminError):
        """A service's refusal (e.g. NotPermitted) as a message, nothing written."""
        self.message_user(request, str(error.message), messages.ERROR)
        return HttpResponseRedirect(request.path)

    def add_view(self, request, form_url="", extra_context=None):
        try:
            return super().add_view(request, form_url, extra_context)
        except ExamAdminError as error:
            return self._refusal(request, error)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ExamAdminError as error:
            return self._refusal(request, error)

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except ExamAdminError as error:
            return self._refusal(request, error)

    def save_model(self, request, obj, form, change):
        form.instance = grant_membership(
            form.cleaned_data["user"],
            actor=request.user,
            organisation=form.cleaned_data["organisation"],
            role=form.cleaned_data["role"],
        )
        obj.pk = form.instance.pk

    def delete_model(self, request, obj):
        revoke_membership(obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for membership in queryset.order_by("pk"):
                revoke_membership(membership, actor=request.user)


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


# Roles are memberships: Django's groups are not used, and are not a door around them.
admin.site.unregister(Group)
# Second factors are enrolled, confirmed and removed through examens.twofactor; the admin
# shows which devices exist, never their keys or backup codes.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(ReadOnlyAdmin):
    list_display = ["user", "name", "confirmed", "last_used_at"]
    fields = ["user", "name", "confirmed", "last_used_at"]


@admin.register(StaticDevice)
class StaticDeviceAdmin(ReadOnlyAdmin):
    list_display = ["user", "name", "confirmed", "last_used_at"]
    fields = ["user", "name", "confirmed", "last_used_at"]
