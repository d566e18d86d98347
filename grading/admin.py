"""Grading in the admin: policy data (rubrics, sign-off rules) is edited here with an audit
event; qualifications, ratings and results change only through grading's services."""

from django.contrib import admin

from examens.admin import AuditedAdmin, ReadOnlyAdmin

from .models import (
    ExaminerQualification,
    ImportBatch,
    OverdueFlag,
    Rating,
    Result,
    Rubric,
    SignOffRequirement,
)


@admin.register(Rubric)
class RubricAdmin(AuditedAdmin):
    list_display = ["exam_version", "gate_aspect", "final_rule"]


@admin.register(SignOffRequirement)
class SignOffRequirementAdmin(AuditedAdmin):
    list_display = ["component", "min_hours", "needs_declaration_reference", "needs_period"]


@admin.register(ExaminerQualification)
class ExaminerQualificationAdmin(ReadOnlyAdmin):
    list_display = [
        "user",
        "component",
        "level",
        "organisation",
        "valid_from",
        "valid_until",
        "withdrawn_at",
    ]
    list_filter = ["component", "organisation"]


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ["booking", "rater", "kind", "total", "submitted_at"]


@admin.register(Result)
class ResultAdmin(ReadOnlyAdmin):
    list_display = [
        "candidate",
        "component",
        "version",
        "status",
        "outcome",
        "scale_score",
        "is_current",
    ]
    list_filter = ["status", "outcome", "component"]


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = ["filename", "row_count", "imported_by", "created_at"]


@admin.register(OverdueFlag)
class OverdueFlagAdmin(ReadOnlyAdmin):
    list_display = ["booking", "due_on", "flagged_at", "resolved_at"]
