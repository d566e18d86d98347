"""Examiner qualifications, ratings, results (versioned, never changed in place), imports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from examens.models import Candidate, Component, ExamVersion, Level, Organisation
from scheduling.models import Booking


class ExaminerQualification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="qualifications"
    )
    component = models.ForeignKey(Component, on_delete=models.PROTECT, related_name="+")
    level = models.CharField(_("level"), max_length=2, choices=Level.choices, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The organisation the examiner rates for."),
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    withdrawn_at = models.DateTimeField(
        _("withdrawn at"),
        null=True,
        blank=True,
        help_text=_("A withdrawn qualification no longer counts, even within its dates."),
    )
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True)

    class Meta:
        verbose_name = _("examiner qualification")
        verbose_name_plural = _("examiner qualifications")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("valid_from")),
                name="qualification_window_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.component.code} {self.level}".strip()


class Rubric(models.Model):
    """Aspects with maximum points for a rated exam version, and an optional gate."""

    exam_version = models.OneToOneField(
        ExamVersion, on_delete=models.CASCADE, related_name="rubric"
    )
    aspects = models.JSONField(
        _("aspects"),
        help_text=_('[{"code": "content", "name_nl": "Inhoud", "name_en": "Content", "max": 10}]'),
    )
    gate_aspect = models.CharField(
        _("gate aspect"),
        max_length=50,
        blank=True,
        help_text=_("When this aspect scores 0 (e.g. off-topic), every aspect scores 0."),
    )
    final_rule = models.CharField(
        _("final score rule"),
        max_length=20,
        choices=[("mean", _("Mean of the two raters")), ("adjudicator", _("Adjudicator's"))],
        default="mean",
    )

    class Meta:
        verbose_name = _("rubric")
        verbose_name_plural = _("rubrics")

    def __str__(self) -> str:
        return f"{self.exam_version}"

    def aspect_label(self, code: str, language: str) -> str:
        """An aspect's name in `language` (nl or en), else its Dutch name, else its code."""
        for aspect in self.aspects:
            if aspect["code"] == code:
                return aspect.get(f"name_{language[:2]}") or aspect.get("name_nl") or code
        return code

    @property
    def gate_label(self) -> str:
        """The gate aspect's name in the active language, for the rating page."""
        return self.aspect_label(self.gate_aspect, get_language() or "nl")


class Rating(models.Model):
    class Kind(models.TextChoices):
        FIRST = "first", _("First rater")
        SECOND = "second", _("Second rater")
        ADJUDICATION = "adjudication", _("Adjudicator")

    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="ratings")
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    scores = models.JSONField(_("points per aspect"))
    total = models.PositiveIntegerField(_("raw total"))
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.UniqueConstraint(fields=["booking", "rater"], name="rating_once_per_rater"),
            models.UniqueConstraint(fields=["booking", "kind"], name="rating_once_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.total}"


class Result(models.Model):
    """One version of a candidate's result for one component.

    A released result never changes: a correction adds a new version with a
    reason; exactly one version per (candidate, component, booking) is current.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        RELEASED = "released", _("Released")
        SUPERSEDED = "superseded", _("Superseded by a correction")

    class Outcome(models.TextChoices):
        PASSED = "passed", _("Passed")
        FAILED = "failed", _("Failed")
        NO_SHOW = "no_show", _("No-show")
        COMPLETED = "completed", _("Completed")
        NOT_COMPLETED = "not_completed", _("Not completed")
        REJECTED = "rejected", _("Refused at check-in (not an attempt)")

    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="results")
    component = models.ForeignKey(Component, on_delete=models.PROTECT, related_name="+")
    level = models.CharField(_("level"), max_length=2, choices=Level.choices, blank=True)
    booking = models.ForeignKey(
        Booking,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="results",
        help_text=_("Empty for signed-off decentralised components."),
    )
    exam_version = models.ForeignKey(
        ExamVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    version = models.PositiveSmallIntegerField(default=1)
    is_current = models.BooleanField(default=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    raw_score = models.PositiveIntegerField(null=True, blank=True)
    scale_score = models.PositiveIntegerField(null=True, blank=True)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    sat_on = models.DateField(_("sat or completed on"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    corrects = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrected_by"
    )
    correction_reason = models.TextField(blank=True)
    import_batch = models.ForeignKey(
        "ImportBatch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="results",
        help_text=_("The machine-score file this result came from."),
    )

    PASSING_OUTCOMES = (Outcome.PASSED, Outcome.COMPLETED)

    class Meta:
        ordering = ["candidate", "component", "-version"]
        verbose_name = _("result")
        verbose_name_plural = _("results")
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "version"],
                condition=Q(booking__isnull=False),
                name="result_version_unique_per_booking",
            ),
            models.UniqueConstraint(
                fields=["booking"],
                condition=Q(is_current=True, booking__isnull=False),
                name="result_one_current_per_booking",
            ),
            models.CheckConstraint(
                condition=Q(corrects__isnull=True) | ~Q(correction_reason=""),
                name="result_correction_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["candidate", "component", "is_current"]),
            # The certificate sweep reads the releases since its mark (certificates.tasks).
            models.Index(fields=["released_at"], name="result_released_at"),
        ]

    def __str__(self) -> str:
        return f"{self.component.code} v{self.version} {self.get_outcome_display()}"


class ImportBatch(models.Model):
    """A file of machine scores; its SHA-256 makes a re-import a no-op."""

    sha256 = models.CharField(max_length=64, unique=True)
    filename = models.CharField(max_length=200, blank=True)
    row_count = models.PositiveIntegerField()
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.filename or self.sha256[:12]} ({self.row_count})"


class SignOffRequirement(models.Model):
    """The evidence a decentralised component needs before it can be signed off (data)."""

    component = models.OneToOneField(
        Component, on_delete=models.CASCADE, related_name="sign_off_requirement"
    )
    min_hours = models.PositiveIntegerField(
        _("minimum practical hours"), null=True, blank=True, help_text=_("MAP: 40.")
    )
    needs_declaration_reference = models.BooleanField(
        _("needs a reference to the signed declaration"), default=False
    )
    needs_period = models.BooleanField(_("needs start and end dates"), default=True)

    class Meta:
        verbose_name = _("sign-off requirement")
        verbose_name_plural = _("sign-off requirements")

    def __str__(self) -> str:
        return self.component.code


class OverdueFlag(models.Model):
    """A sitting whose result was not released by its due date; resolved on release."""

    booking = models.OneToOneField(Booking, on_delete=models.PROTECT, related_name="overdue_flag")
    due_on = models.DateField(_("result due on"))
    flagged_at = models.DateTimeField(_("flagged at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("overdue result")
        verbose_name_plural = _("overdue results")

    def __str__(self) -> str:
        return f"{self.booking_id} due {self.due_on}"
