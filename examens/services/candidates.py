"""Candidates and the decisions about them: register, update, record and withdraw decisions."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.nl import bsn as stdnum_bsn

from examens import authz, permissions
from examens.audit import Actor, record_event
from examens.exceptions import DuplicateCandidate, InvalidBsn, RegistryError
from examens.models import (
    Accommodation,
    Candidate,
    Component,
    Decision,
    Level,
    Organisation,
    Route,
)


def add_years(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day `years` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def normalise_bsn(value: str) -> str:
    """Return the nine-digit BSN or raise InvalidBsn (field `bsn`)."""
    try:
        return stdnum_bsn.validate(str(value))
    except StdnumValidationError as exc:
        raise InvalidBsn(field="bsn") from exc


def _term_end(candidate: Candidate) -> datetime.date:
    years = candidate.route.regime.term_years
    extra = sum(
        d.extension_days or 0
        for d in candidate.decisions.all()
        if d.kind == Decision.Kind.TERM_EXTENSION and d.withdrawn_at is None
    )
    return add_years(candidate.term_start, years) + datetime.timedelta(days=extra)


@transaction.atomic
def register_candidate(
    *,
    actor: Actor,
    bsn: str,
    given_names: str,
    family_name: str,
    date_of_birth: datetime.date,
    municipality: Organisation,
    route: Route,
    term_start: datetime.date,
    is_asylum_migrant: bool = False,
    email: str = "",
    postal_address: str = "",
    preferred_language: str = "nl",
) -> Candidate:
    """Register a candidate obliged to integrate.

    Rules: the BSN passes the 11-check and is not registered yet; the
    municipality is a municipality; the term ends `term_years` after its start.
    Raises InvalidBsn, DuplicateCandidate, RegistryError. Not idempotent (a
    second call with the same BSN raises DuplicateCandidate).
    Authorised: officers and admins of the municipality or the agency (NotPermitted).
    """
    person = authz.require_person(actor)
    authz.require(permissions.can_register_candidate(person, municipality))
    number = normalise_bsn(bsn)
    if municipality.kind != Organisation.Kind.MUNICIPALITY:
        raise RegistryError(
            _("The municipality of residence must be a municipality."), field="municipality"
        )
    if Candidate.objects.filter(bsn=number).exists():
        raise DuplicateCandidate(field="bsn")
    candidate = Candidate(
        bsn=number,
        given_names=given_names.strip(),
        family_name=family_name.strip(),
        date_of_birth=date_of_birth,
        municipality=municipality,
        route=route,
        term_start=term_start,
        is_asylum_migrant=is_asylum_migrant,
        email=email,
        postal_address=postal_address.strip(),
        preferred_language=preferred_language,
    )
    candidate.term_end = add_years(term_start, route.regime.term_years)
    candidate.save(force_insert=True)
    record_event(
        actor,
        "examens.candidate.registered",
        candidate,
        data={
            "bsn": number,
            "municipality": municipality.pk,
            "route": route.code,
            "regime": route.regime.code,
            "term_start": term_start,
            "term_end": candidate.term_end,
            "is_asylum_migrant": is_asylum_migrant,
        },
    )
    return candidate


CANDIDATE_EDITABLE_FIELDS = (
    "given_names",
    "family_name",
    "date_of_birth",
    "email",
    "postal_address",
    "preferred_language",
    "municipality",
    "route",
    "term_start",
    "is_asylum_migrant",
)


POSTAL_ADDRESS_MAX_LENGTH = 300
POSTAL_ADDRESS_MAX_LINES = 6


def _clean_postal_address(value: str) -> str:
    """The address as stored: one line per address line, each stripped, no empty lines.
    Raises RegistryError (`postal_address`) when it does not fit on a letter."""
    lines = [line.strip() for line in str(value).splitlines()]
    lines = [line for line in lines if line]
    text = "\n".join(lines)
    if len(lines) > POSTAL_ADDRESS_MAX_LINES or len(text) > POSTAL_ADDRESS_MAX_LENGTH:
        raise RegistryError(
            _("A postal address has at most %(lines)d lines and %(chars)d characters.")
            % {"lines": POSTAL_ADDRESS_MAX_LINES, "chars": POSTAL_ADDRESS_MAX_LENGTH},
            field="postal_address",
        )
    return text


def _clean_contact(changes: dict) -> dict:
    """Check and normalise the contact fields among `changes` (RegistryError naming one)."""
    if "email" in changes:
        email = str(changes["email"] or "").strip()
        if email:
            try:
                validate_email(email)
            except ValidationError as exc:
                raise RegistryError(_("Enter a valid e-mail address."), field="email") from exc
        changes["email"] = email
    if "postal_address" in changes:
        changes["postal_address"] = _clean_postal_address(changes["postal_address"] or "")
    language = changes.get("preferred_language")
    if "preferred_language" in changes and language not in dict(settings.LANGUAGES):
        raise RegistryError(_("Unknown language."), field="preferred_language")
    return changes


@transaction.atomic
def update_candidate(candidate: Candidate, *, actor: Actor, **changes) -> Candidate:
    """Change a candidate's registered details (never the BSN).

    Recomputes the term end when the start or route changes. Idempotent: no
    change, no event. Raises RegistryError for unknown fields; NotPermitted
    unless the actor may edit the candidate (and, when moving them, register
    them in the new municipality). The e-mail address must be valid (or empty), the
    postal address fit on a letter (_clean_postal_address), the language be known
    (RegistryError naming the field; nothing is written).
    """
    person = authz.require_person(actor)
    authz.require(permissions.can_edit_candidate(person, candidate))
    if changes.get("municipality") is not None:
        authz.require(permissions.can_register_candidate(person, changes["municipality"]))
    unknown = set(changes) - set(CANDIDATE_EDITABLE_FIELDS)
    if unknown:
        raise RegistryError(
            _("These fields cannot be changed here: %s") % ", ".join(sorted(unknown)),
            field=sorted(unknown)[0],
        )
    changes = _clean_contact(dict(changes))
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    before = {name: getattr(candidate, name) for name in changes}
    changed = [name for name, value in changes.items() if before[name] != value]
    if not changed:
        return candidate
    municipality = changes.get("municipality")
    if municipality is not None and municipality.kind != Organisation.Kind.MUNICIPALITY:
        raise RegistryError(
            _("The municipality of residence must be a municipality."), field="municipality"
        )
    for name in changed:
        setattr(candidate, name, changes[name])
    candidate.term_end = _term_end(candidate)
    candidate.save(update_fields=[*changed, "term_end"])
    record_event(
        actor,
        "examens.candidate.updated",
        candidate,
        data={
            "changed": {name: [_plain(before[name]), _plain(changes[name])] for name in changed},
        },
    )
    return candidate


def _plain(value):
    return value.pk if hasattr(value, "pk") else value


@transaction.atomic
def record_decision(
    candidate: Candidate,
    *,
    actor: Actor,
    organisation: Organisation,
    kind: str,
    reason: str,
    decided_on: datetime.date | None = None,
    component: Component | None = None,
    ground: str = "",
    level: str = "",
    extension_days: int | None = None,
    extra_minutes: int | None = None,
    needs: list[str] | None = None,
    evidence_reference: str = "",
) -> Decision:
    """Record an exemption, step-down, term extension or accommodation needs.

    Rules: a reason is required; an exemption has a medical or diploma ground
    (component empty = whole obligation); a step-down names a component the
    route requires and that route's step-down level; a term extension has a
    positive number of days and moves the term end; accommodation needs come
    from the known list, extended time with its minutes. Raises RegistryError
    naming the field. Not idempotent: every call is a new decision.
    Authorised: who may record this kind for the candidate in the name of
    `organisation` (examens.permissions.can_record_decision); the automatic
    late-result extension by whoever releases results (NotPermitted).
    """
    person = authz.require_person(actor)
    if kind == Decision.Kind.TERM_EXTENSION and ground == Decision.Ground.LATE_RESULT:
        authz.require(permissions.can_record_late_result_extension(person))
    elif kind in Decision.Kind.values:  # an unknown kind is refused below, naming the field
        authz.require(permissions.can_record_decision(person, candidate, kind, organisation))
    if not reason.strip():
        raise RegistryError(_("A decision needs a reason."), field="reason")
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    needs = list(needs or [])
    if kind == Decision.Kind.EXEMPTION:
        if ground not in (Decision.Ground.MEDICAL, Decision.Ground.DIPLOMA):
            raise RegistryError(_("An exemption is medical or by diploma."), field="ground")
    elif kind == Decision.Kind.STEP_DOWN:
        if component is None:
            raise RegistryError(_("A step-down names a component."), field="component")
        requirement = candidate.route.requirements.filter(component=component).first()
        if requirement is None or not requirement.step_down_level:
            raise RegistryError(
                _("%(component)s cannot be stepped down on this route.")
                % {"component": component.code},
                field="component",
            )
        level = level or requirement.step_down_level
        if level != requirement.step_down_level:
            raise RegistryError(
                _("This component steps down to %(level)s only.")
                % {"level": requirement.step_down_level},
                field="level",
            )
    elif kind == Decision.Kind.TERM_EXTENSION:
        if not extension_days or extension_days < 1:
            raise RegistryError(
                _("An extension needs a number of days (1 or more)."), field="extension_days"
            )
    elif kind == Decision.Kind.ACCOMMODATION:
        unknown = [need for need in needs if need not in Accommodation.values]
        if unknown:
            raise RegistryError(_("Unknown accommodation: %s") % ", ".join(unknown), field="needs")
        if not needs:
            raise RegistryError(_("Choose at least one accommodation."), field="needs")
        if Accommodation.EXTENDED_TIME in needs and not extra_minutes:
            raise RegistryError(
                _("Extended time needs the number of extra minutes."), field="extra_minutes"
            )
    else:
        raise RegistryError(_("Unknown kind of decision."), field="kind")
    if level and level not in Level.values:
        raise RegistryError(_("Unknown level."), field="level")
    decision = Decision.objects.create(
        candidate=candidate,
        kind=kind,
        ground=ground,
        component=component,
        level=level,
        extension_days=extension_days,
        extra_minutes=extra_minutes,
        needs=needs,
        decided_on=decided_on or timezone.localdate(),
        decided_by=person,
        decided_for=organisation,
        reason=reason.strip(),
        evidence_reference=evidence_reference,
    )
    if kind == Decision.Kind.TERM_EXTENSION:
        candidate.term_end = _term_end(candidate)
        candidate.save(update_fields=["term_end"])
    record_event(
        actor,
        f"examens.decision.{kind}",
        decision,
        data={
            "candidate": candidate.pk,
            "component": component.code if component else None,
            "ground": ground,
            "level": level,
            "extension_days": extension_days,
            "extra_minutes": extra_minutes,
            "needs": needs,
            "term_end": candidate.term_end,
            "organisation": organisation.pk,
        },
    )
    return decision


@transaction.atomic
def withdraw_decision(decision: Decision, *, actor: Actor, reason: str) -> Decision:
    """Withdraw a decision (never delete it). Idempotent: already withdrawn returns as is.

    Locks the candidate, then the decision (the order every decision service
    uses), re-reads both and recomputes the term end from the locked rows, so
    a term extension recorded at the same time is never lost. Raises
    RegistryError (`reason`); NotPermitted.
    """
    person = authz.require_person(actor)
    authz.require(permissions.can_withdraw_decision(person, decision.candidate, decision.kind))
    if not reason.strip():
        raise RegistryError(_("Withdrawing a decision needs a reason."), field="reason")
    candidate_id = Decision.objects.values_list("candidate_id", flat=True).get(pk=decision.pk)
    candidate = Candidate.objects.select_for_update().get(pk=candidate_id)
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    if decision.withdrawn_at is not None:
        return decision
    decision.withdrawn_at = timezone.now()
    decision.save(update_fields=["withdrawn_at"])
    if decision.kind == Decision.Kind.TERM_EXTENSION:
        candidate.term_end = _term_end(candidate)
        candidate.save(update_fields=["term_end"])
    record_event(
        actor,
        "examens.decision.withdrawn",
        decision,
        data={
            "candidate": candidate.pk,
            "kind": decision.kind,
            "reason": reason,
        },
    )
    return decision
