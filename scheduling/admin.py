"""The admin for scheduling: component policies are configurable data, edited here with
an audit event; exam versions are added here and withdrawn through
`withdraw_exam_version`; sessions, bookings, waiting lists, irregularities and feeds are
shown only (they change through the services)."""

from django.contrib import admin, messages
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from examens.admin import AuditedAdmin, ReadOnlyAdmin
from examens.exceptions import ExamAdminError
from examens.models import ExamVersion

from .forms import WithdrawVersionForm
from .models import (
    Booking,
    CalendarFeed,
    ComponentPolicy,
    ExamSession,
    IrregularityReport,
    WaitingListEntry,
)
from .services import withdraw_exam_version

# What decides a candidate's result: fixed once the version exists (a corrected table is a
# new version). The status changes only through withdraw_exam_version.
SCORING_FIELDS = [
    "component",
    "level",
    "max_raw_score",
    "cutoff_raw",
    "conversion_table",
    "pass_scale_score",
]


@admin.register(ExamVersion)
class ExamVersionAdmin(AuditedAdmin):
    """Registered here, not in examens: withdrawing a version moves scheduling's sessions."""

    list_display = ["code", "component", "level", "max_raw_score", "cutoff_raw", "status"]
    list_filter = ["component", "level", "status"]
    actions = ["withdraw_versions"]

    def get_readonly_fields(self, request, obj=None):
        return ["status", *SCORING_FIELDS] if obj is not None else ["status"]

    @admin.action(
        description=gettext_lazy("Withdraw the selected versions (asks for the reason)"),
        permissions=["change"],
    )
    def withdraw_versions(self, request, queryset):
        """Ask for the reason (and, for one version, a replacement), then withdraw each
        version through the service, all or none."""
        versions = list(queryset.select_related("component").order_by("pk"))
        replacements = ExamVersion.objects.none()
        if len(versions) == 1:
            replacements = ExamVersion.objects.filter(
                component_id=versions[0].component_id,
                level=versions[0].level,
                status=ExamVersion.Status.ACTIVE,
            ).exclude(pk=versions[0].pk)
        confirmed = request.POST.get("confirmed") == "yes"
        form = WithdrawVersionForm(request.POST if confirmed else None, replacements=replacements)
        if confirmed and form.is_valid():
            try:
                with transaction.atomic():
                    for version in versions:
                        withdraw_exam_version(
                            version,
                            actor=request.user,
                            reason=form.cleaned_data["reason"],
                            replacement=form.cleaned_data["replacement"],
                        )
            except ExamAdminError as error:
                self.message_user(request, str(error.message), messages.ERROR)
            else:
                self.message_user(
                    request, _("%(count)s versions withdrawn.") % {"count": len(versions)}
                )
            return None
        return TemplateResponse(
            request,
            "admin/scheduling/examversion/withdraw.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "queryset": versions,
                "form": form,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "title": _("Withdraw exam versions"),
            },
        )


@admin.register(ComponentPolicy)
class ComponentPolicyAdmin(AuditedAdmin):
    list_display = [
        "component",
        "booking_closes_hours",
        "free_cancellation_days",
        "offer_hours",
        "reminder_days",
    ]


@admin.register(ExamSession)
class ExamSessionAdmin(ReadOnlyAdmin):
    list_display = ["starts_at", "component", "level", "centre", "room", "status", "booked_count"]
    list_filter = ["status", "component", "centre"]
    list_select_related = ["component", "centre", "room"]
    date_hierarchy = "starts_at"


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdmin):
    list_display = ["reference", "candidate", "component", "session", "status", "attempt_number"]
    list_filter = ["status", "component"]
    list_select_related = ["candidate", "component", "session__component", "session__centre"]
    search_fields = ["reference"]
    raw_id_fields = ["session", "candidate", "booked_by"]
    exclude = ["idempotency_key"]


@admin.register(WaitingListEntry)
class WaitingListEntryAdmin(ReadOnlyAdmin):
    list_display = ["candidate", "component", "centre", "status", "offer_expires_at"]
    list_filter = ["status", "component", "centre"]
    list_select_related = ["candidate", "component", "centre"]


@admin.register(IrregularityReport)
class IrregularityReportAdmin(ReadOnlyAdmin):
    list_display = ["booking", "reported_by", "created_at"]
    list_select_related = ["booking__component", "reported_by"]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyAdmin):
    list_display = ["pk", "centre", "user", "created_at", "revoked_at"]
    list_select_related = ["centre", "user"]
    exclude = ["token"]  # a digest, but nobody needs to see it
