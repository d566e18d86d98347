"""Candidates and the decisions recorded for them (exemption, step-down, term, accommodation)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..privacy import mask_bsn
from .catalogue import Component, Level, Regime, Route
from .organisations import Organisation

# --- Candidates and decisions ------------------------------------------------------


class Candidate(models.Model):
    """A person obliged to integrate. Identified by BSN, which is never shown in full."""

    bsn = models.CharField(_("BSN"), max_length=9, unique=True, editable=False)
    given_names = models.CharField(_("given names"), max_length=200)
    family_name = models.CharField(_("family name"), max_length=200)
    date_of_birth = models.DateField(_("date of birth"))
    email = models.EmailField(_("e-mail"), blank=True)
    # Where a letter goes when there is no e-mail address (street, postcode, place).
    postal_address = models.TextField(_("postal address"), blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=5, choices=settings.LANGUAGES, default="nl"
    )
    municipality = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="residents",
        limit_choices_to={"kind": Organisation.Kind.MUNICIPALITY},
        verbose_name=_("municipality of residence"),
    )
    route = models.ForeignKey(Route, on_delete=models.PROTECT, related_name="candidates")
    term_start = models.DateField(_("term start"))
    term_end = models.DateField(_("term end"), editable=False)
    is_asylum_migrant = models.BooleanField(
        _("asylum migrant"),
        default=False,
        help_text=_("The municipality pays the first two attempts per component."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["family_name", "given_names"]
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        constraints = [
            models.CheckConstraint(
                condition=Q(term_end__gt=models.F("term_start")), name="candidate_term_ordered"
            ),
            models.CheckConstraint(
                condition=Q(bsn__regex=r"^[0-9]{9}$"), name="candidate_bsn_nine_digits"
            ),
        ]
        indexes = [models.Index(fields=["municipality", "family_name"])]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.masked_bsn})"

    def __repr__(self) -> str:
        return f"<Candidate {self.pk}: {self.masked_bsn}>"

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.family_name}"

    @property
    def masked_bsn(self) -> str:
        return mask_bsn(self.bsn)

    @property
    def regime(self) -> Regime:
        return self.route.regime


class Accommodation(models.TextChoices):
    EXTENDED_TIME = "extended_time", _("Extended time")
    LARGE_PRINT = "large_print", _("Large print")
    LARGE_SCREEN = "large_screen", _("Large screen")
    SEPARATE_ROOM = "separate_room", _("Separate room")
    INTERRUPTED_SITTING = "interrupted_sitting", _("Interrupted sitting")
    ADAPTED_SCHEDULING = "adapted_scheduling", _("Adapted scheduling")
    ASSISTANCE = "assistance", _("Exam assistance")
    STEP_FREE = "step_free", _("Step-free access")
    HEARING_LOOP = "hearing_loop", _("Hearing loop")


class Decision(models.Model):
    """A recorded decision about a candidate. Withdrawn, never deleted."""

    class Kind(models.TextChoices):
        EXEMPTION = "exemption", _("Exemption")
        STEP_DOWN = "step_down", _("Step-down to a lower level")
        TERM_EXTENSION = "term_extension", _("Term extension")
        ACCOMMODATION = "accommodation", _("Accommodation needs")

    class Ground(models.TextChoices):
        MEDICAL = "medical", _("Medical (ontheffing)")
        DIPLOMA = "diploma", _("By diploma (vrijstelling)")
        NOT_TO_BLAME = "not_to_blame", _("Not to blame")
        EFFORT = "effort", _("Considerable effort")
        LATE_RESULT = "late_result", _("Late result")
        OTHER = "other", _("Other")

    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="decisions")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    ground = models.CharField(_("ground"), max_length=20, choices=Ground.choices, blank=True)
    component = models.ForeignKey(
        Component,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty for an exemption of the whole obligation."),
    )
    level = models.CharField(
        _("level after step-down"), max_length=2, choices=Level.choices, blank=True
    )
    extension_days = models.PositiveIntegerField(_("extension (days)"), null=True, blank=True)
    extra_minutes = models.PositiveSmallIntegerField(_("extra minutes"), null=True, blank=True)
    needs = models.JSONField(_("accommodation needs"), default=list, blank=True)
    decided_on = models.DateField(_("decided on"), default=timezone.localdate)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_for = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("deciding organisation"),
    )
    reason = models.TextField(_("reason"))
    evidence_reference = models.CharField(_("evidence reference"), max_length=200, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_on", "-pk"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="step_down") | (Q(component__isnull=False) & ~Q(level="")),
                name="decision_step_down_has_component_and_level",
            ),
            models.CheckConstraint(
                condition=~Q(kind="term_extension") | Q(extension_days__gte=1),
                name="decision_extension_has_days",
            ),
            models.CheckConstraint(
                condition=~Q(kind="exemption") | Q(ground__in=["medical", "diploma"]),
                name="decision_exemption_has_ground",
            ),
        ]

    def __str__(self) -> str:
        target = self.component.code if self.component is not None else _("whole")
        return f"{self.get_kind_display()} {target} ({self.decided_on})"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None
