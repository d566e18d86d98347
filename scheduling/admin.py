"""The admin for scheduling: component policies are configurable data, edited here with
an audit event; sessions, bookings, waiting lists, irregularities and feeds are shown
only (they change through the services)."""

from django.contrib import admin

from examens.admin import AuditedAdmin, ReadOnlyAdmin

from .models import (
    Booking,
    CalendarFeed,
    ComponentPolicy,
    ExamSession,
    IrregularityReport,
    WaitingListEntry,
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
