"""The exam catalogue: regimes, routes, components with their requirements, exam versions."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    A0 = "A0", "A0"
    A1 = "A1", "A1"
    A2 = "A2", "A2"
    B1 = "B1", "B1"
    B2 = "B2", "B2"


# --- The exam catalogue -----------------------------------------------------------


class NamedInTwoLanguages:
    """A catalogue entry's name in the active language (Dutch unless English is chosen)."""

    name_nl: str
    name_en: str

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "nl").startswith("en") else self.name_nl


class Regime(NamedInTwoLanguages, models.Model):
    code = models.CharField(_("code"), max_length=10, unique=True)  # WI2013, WI2021
    name_nl = models.CharField(_("Dutch name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    term_years = models.PositiveSmallIntegerField(_("term in years"), default=3)

    class Meta:
        ordering = ["code"]
        verbose_name = _("regime")
        verbose_name_plural = _("regimes")

    def __str__(self) -> str:
        return self.name


class Route(NamedInTwoLanguages, models.Model):
    regime = models.ForeignKey(Regime, on_delete=models.PROTECT, related_name="routes")
    code = models.CharField(_("code"), max_length=10)  # B1, EDU, Z, A2 (Wi2013)
    name_nl = models.CharField(_("Dutch name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    issued_by_municipality = models.BooleanField(
        _("certificate issued by the municipality"),
        default=False,
        help_text=_("Z-route: a municipal certificate instead of a DUO diploma."),
    )

    class Meta:
        ordering = ["regime", "code"]
        verbose_name = _("learning route")
        verbose_name_plural = _("learning routes")
        constraints = [models.UniqueConstraint(fields=["regime", "code"], name="route_unique_code")]

    def __str__(self) -> str:
        return f"{self.name} ({self.regime.code})"


class Component(NamedInTwoLanguages, models.Model):
    class RunBy(models.TextChoices):
        CENTRAL = "central", _("Central (DUO)")
        DECENTRALISED = "decentralised", _("Decentralised (municipality)")

    class Delivery(models.TextChoices):
        COMPUTER = "computer", _("On a computer")
        PAPER = "paper", _("On paper")
        PRACTICAL = "practical", _("Practical trajectory")
        INTERVIEW = "interview", _("Interview")
        PORTFOLIO = "portfolio", _("Portfolio")

    class Assessment(models.TextChoices):
        MACHINE_SCORED = "machine", _("Machine-scored")
        RATED = "rated", _("Rated by examiners")
        SIGN_OFF = "sign_off", _("Signed off (completed or not)")

    code = models.CharField(_("code"), max_length=10, unique=True)
    name_nl = models.CharField(_("Dutch name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    run_by = models.CharField(_("run by"), max_length=20, choices=RunBy.choices)
    delivery = models.CharField(_("delivery mode"), max_length=20, choices=Delivery.choices)
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=0)
    assessment = models.CharField(_("assessment"), max_length=20, choices=Assessment.choices)
    fee_cents = models.PositiveIntegerField(_("fee per attempt (cents)"), default=0)
    raters_required = models.PositiveSmallIntegerField(_("independent raters"), default=0)
    rating_tolerance = models.PositiveSmallIntegerField(
        _("rating tolerance (raw points)"),
        default=0,
        help_text=_("Ratings further apart than this go to a third rater."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("exam component")
        verbose_name_plural = _("exam components")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_scored(self) -> bool:
        return self.assessment != self.Assessment.SIGN_OFF


class RouteRequirement(models.Model):
    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="requirements")
    component = models.ForeignKey(Component, on_delete=models.PROTECT, related_name="+")
    level = models.CharField(_("level"), max_length=2, choices=Level.choices, blank=True)
    optional = models.BooleanField(_("optional"), default=False)
    step_down_level = models.CharField(
        _("level after step-down"),
        max_length=2,
        choices=Level.choices,
        blank=True,
        help_text=_("Empty when a step-down is not possible for this component."),
    )

    class Meta:
        ordering = ["route", "component__code"]
        verbose_name = _("route requirement")
        verbose_name_plural = _("route requirements")
        constraints = [
            models.UniqueConstraint(fields=["route", "component"], name="requirement_unique")
        ]

    def __str__(self) -> str:
        return f"{self.route.code}: {self.component.code} {self.level}".strip()


class ExamVersion(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    component = models.ForeignKey(Component, on_delete=models.PROTECT, related_name="versions")
    level = models.CharField(
        _("level"),
        max_length=2,
        choices=Level.choices,
        blank=True,
        help_text=_("Empty for components without a language level, such as KNM."),
    )
    code = models.CharField(_("version code"), max_length=30)
    max_raw_score = models.PositiveIntegerField(_("maximum raw score"))
    cutoff_raw = models.PositiveIntegerField(
        _("raw cut-off (cesuur)"),
        null=True,
        blank=True,
        help_text=_("Lowest raw score that passes. Leave empty when a conversion table is used."),
    )
    conversion_table = models.JSONField(
        _("raw-to-scale table"),
        null=True,
        blank=True,
        help_text=_('Scale score for every raw score 0..max, e.g. {"0": 100, ..., "40": 900}.'),
    )
    pass_scale_score = models.PositiveIntegerField(
        _("scale score that passes"), null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )

    class Meta:
        ordering = ["component__code", "level", "code"]
        verbose_name = _("exam version")
        verbose_name_plural = _("exam versions")
        constraints = [
            models.UniqueConstraint(fields=["component", "code"], name="version_unique_code"),
            models.CheckConstraint(
                condition=Q(cutoff_raw__isnull=True) | Q(cutoff_raw__lte=models.F("max_raw_score")),
                name="version_cutoff_within_max",
            ),
            models.CheckConstraint(
                condition=Q(cutoff_raw__isnull=False)
                | Q(conversion_table__isnull=False, pass_scale_score__isnull=False),
                name="version_has_cutoff_or_table",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.component.code} {self.level} {self.code}"
