"""The at-risk rules: which candidates the at-risk list shows, as data (decision 0022).

The kinds are code (each is a condition in `monitoring.at_risk`); their parameters and
whether they count are data, changed by the agency's admins through
`monitoring.services.at_risk.update_at_risk_rule`. One row per kind.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

# Bounds of a parameter (months or attempts); the database holds them too.
MIN_PARAMETER = 1
MAX_PARAMETER = 120


class AtRiskRule(models.Model):
    class Kind(models.TextChoices):
        TERM_ENDING = "term_ending_outstanding", _("Term ends soon, requirements outstanding")
        NO_ATTEMPT = "no_attempt", _("No attempt for a while")
        FAILED_IN_A_ROW = "failed_in_a_row", _("Failed attempts in a row")
        TERM_EXPIRED = "term_expired", _("Term ended, requirements outstanding")

    # The kinds that take a parameter, and what it counts.
    PARAMETER_UNIT = {
        Kind.TERM_ENDING: "months",
        Kind.NO_ATTEMPT: "months",
        Kind.FAILED_IN_A_ROW: "attempts",
    }

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices, unique=True)
    parameter = models.PositiveSmallIntegerField(
        _("parameter"),
        null=True,
        blank=True,
        help_text=_("Months (term ending, no attempt) or attempts (failed in a row)."),
    )
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("changed at"), null=True, blank=True, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("at-risk rule")
        verbose_name_plural = _("at-risk rules")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="term_expired", parameter__isnull=True)
                    | (
                        ~Q(kind="term_expired")
                        & Q(parameter__gte=MIN_PARAMETER, parameter__lte=MAX_PARAMETER)
                    )
                ),
                name="at_risk_rule_parameter_fits_kind",
            )
        ]

    def __str__(self) -> str:
        return str(self.label)

    @property
    def takes_parameter(self) -> bool:
        return self.kind in self.PARAMETER_UNIT

    @property
    def label(self) -> str:
        """What the rule says, with its parameter, in the active language."""
        n = self.parameter or 0
        if self.kind == self.Kind.TERM_ENDING:
            return ngettext(
                "Term ends within %(n)d month, requirements outstanding",
                "Term ends within %(n)d months, requirements outstanding",
                n,
            ) % {"n": n}
        if self.kind == self.Kind.NO_ATTEMPT:
            return ngettext(
                "No attempt in the last %(n)d month and none booked",
                "No attempt in the last %(n)d months and none booked",
                n,
            ) % {"n": n}
        if self.kind == self.Kind.FAILED_IN_A_ROW:
            return ngettext(
                "Failed %(n)d attempt in a row at an outstanding component",
                "Failed %(n)d attempts in a row at an outstanding component",
                n,
            ) % {"n": n}
        return str(_("Term ended, requirements outstanding"))
