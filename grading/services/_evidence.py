"""Sign-off evidence, checked against the component's requirement (sign-off and correction)."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from examens.models import Component

from ..exceptions import EvidenceMissing
from ..models import SignOffRequirement


def check_evidence(component: Component, evidence: dict, *, completed: bool) -> dict:
    """Validate sign-off evidence against the component's requirement; returns the clean dict."""
    requirement = SignOffRequirement.objects.filter(component=component).first()
    clean: dict = {}
    hours = evidence.get("hours")
    if hours not in (None, ""):
        try:
            clean["hours"] = int(hours)
        except (TypeError, ValueError) as exc:
            raise EvidenceMissing(_("Hours are a whole number."), field="hours") from exc
        if clean["hours"] < 0:
            raise EvidenceMissing(_("Hours cannot be negative."), field="hours")
    start, end = evidence.get("started_on"), evidence.get("ended_on")
    for name, value in (("started_on", start), ("ended_on", end)):
        if value in (None, ""):
            continue
        if isinstance(value, str):
            try:
                value = datetime.date.fromisoformat(value)
            except ValueError as exc:
                raise EvidenceMissing(_("Enter a valid date."), field=name) from exc
        clean[name] = value.isoformat()
    if "started_on" in clean and "ended_on" in clean and clean["started_on"] > clean["ended_on"]:
        raise EvidenceMissing(_("The end date lies before the start date."), field="ended_on")
    if "ended_on" in clean and clean["ended_on"] > timezone.localdate().isoformat():
        raise EvidenceMissing(_("The end date lies in the future."), field="ended_on")
    reference = (evidence.get("declaration_reference") or "").strip()
    if reference:
        clean["declaration_reference"] = reference
    note = (evidence.get("note") or "").strip()
    if note:
        clean["note"] = note
    if requirement is None or not completed:
        return clean
    if requirement.min_hours and clean.get("hours", 0) < requirement.min_hours:
        raise EvidenceMissing(
            _("%(component)s needs at least %(hours)d practical hours.")
            % {"component": component.code, "hours": requirement.min_hours},
            field="hours",
        )
    if requirement.needs_declaration_reference and not reference:
        raise EvidenceMissing(
            _("Give the reference of the signed participation declaration."),
            field="declaration_reference",
        )
    if requirement.needs_period and not ("started_on" in clean and "ended_on" in clean):
        raise EvidenceMissing(_("Give the start and end dates."), field="started_on")
    return clean
