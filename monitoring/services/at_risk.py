"""Changing the at-risk rules, and recording exports of the at-risk list (decision 0022)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from examens import authz
from examens.audit import Actor, record_event
from examens.exceptions import ExamAdminError
from examens.models import Organisation, Role, User
from examens.permissions import is_agency_member, memberships

from ..at_risk_models import MAX_PARAMETER, MIN_PARAMETER, AtRiskRule


class AtRiskRuleError(ExamAdminError):
    code = "at_risk_rule_invalid"


def may_change_at_risk_rules(user: User) -> bool:
    """The rules are national (one list, comparable everywhere): the agency's admins."""
    return user.is_authenticated and is_agency_member(user, {Role.ADMIN})


def may_export_at_risk(user: User) -> bool:
    return user.is_authenticated and memberships(user, {Role.OFFICER}).exists()


def bsn_export_municipalities(user: User) -> tuple[bool, set[int]]:
    """(whole country, municipality ids) whose residents' BSNs `user` may export: an
    officer membership with `may_export_bsn`, of the agency or of municipalities."""
    everywhere = False
    municipalities: set[int] = set()
    entitled = memberships(user, {Role.OFFICER}).filter(may_export_bsn=True)
    for org_id, kind in entitled.values_list("organisation_id", "organisation__kind"):
        if kind == Organisation.Kind.AGENCY:
            everywhere = True
        elif kind == Organisation.Kind.MUNICIPALITY:
            municipalities.add(org_id)
    return everywhere, municipalities


@transaction.atomic
def update_at_risk_rule(
    rule_id: int, *, actor: Actor, parameter: int | None, active: bool
) -> AtRiskRule:
    """Set a rule's parameter (months or attempts) and whether it counts. Idempotent.

    Authorised: the agency's admins (NotPermitted otherwise, before anything is read).
    Locks the rule, re-reads it, checks the parameter against its kind (a whole
    number MIN_PARAMETER..MAX_PARAMETER for the kinds that take one, none for
    `term_expired`: AtRiskRuleError naming `parameter`), writes and records
    `monitoring.at_risk_rule.changed` with the old and new values; a call that
    changes nothing writes nothing. AtRiskRuleError (`rule`) for an unknown rule.
    """
    person = authz.require_person(actor)
    authz.require(may_change_at_risk_rules(person))
    rule = AtRiskRule.objects.select_for_update().filter(pk=rule_id).first()
    if rule is None:
        raise AtRiskRuleError(_("This rule does not exist."), field="rule")
    if rule.takes_parameter:
        if parameter is None or not MIN_PARAMETER <= parameter <= MAX_PARAMETER:
            raise AtRiskRuleError(
                _("Give a whole number from %(min)d to %(max)d.")
                % {"min": MIN_PARAMETER, "max": MAX_PARAMETER},
                field="parameter",
            )
    elif parameter is not None:
        raise AtRiskRuleError(_("This rule takes no number."), field="parameter")
    if rule.parameter == parameter and rule.active == active:
        return rule
    previous = {"parameter": rule.parameter, "active": rule.active}
    rule.parameter, rule.active = parameter, active
    rule.updated_at, rule.updated_by = timezone.now(), person
    rule.save(update_fields=["parameter", "active", "updated_at", "updated_by"])
    record_event(
        actor,
        "monitoring.at_risk_rule.changed",
        rule,
        data={
            "kind": rule.kind,
            "parameter": parameter,
            "active": active,
            "previous": previous,
        },
    )
    return rule


@transaction.atomic
def record_at_risk_export(
    *, actor: Actor, fmt: str, filters: dict, rows: int, with_bsn: bool
) -> None:
    """Record that `actor` downloaded the at-risk list: format, filters, row count and
    whether it carried BSNs (never the BSNs themselves). Written before the file streams.

    Authorised: officers; with BSNs, only an officer entitled to them
    (`bsn_export_municipalities`). NotPermitted otherwise, nothing written.
    """
    person = authz.require_person(actor)
    authz.require(may_export_at_risk(person))
    if with_bsn:
        everywhere, municipalities = bsn_export_municipalities(person)
        authz.require(everywhere or bool(municipalities))
    record_event(
        actor,
        "monitoring.at_risk.exported_with_bsn" if with_bsn else "monitoring.at_risk.exported",
        object_type="monitoring.at_risk_list",
        object_id="",
        data={"format": fmt, "filters": filters, "rows": rows, "with_bsn": with_bsn},
    )
