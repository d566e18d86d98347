"""Issuing certificates: what a completed route prints, its serial, and the stored PDF."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone

from certificates.cache import publish_status_on_commit
from certificates.exceptions import RouteNotComplete
from certificates.keys import load_private_key
from certificates.models import Certificate
from certificates.payload import (
    CertificateData,
    ComponentOutcome,
    Outcome,
    decode_token,
    sign_payload,
)
from certificates.signals import ISSUED, send_certificate_changed_on_commit
from examens import authz
from examens.audit import Actor, record_event
from examens.models import Candidate
from grading import selectors as grading_selectors

from ._common import locked as _locked
from ._common import set_status as _set_status
from .keys import current_signing_key

AGENCY_ISSUER = "DUO"
SERIAL_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U

PROGRESS_OUTCOMES = {
    grading_selectors.STATUS_PASSED: Outcome.PASSED,
    grading_selectors.STATUS_EXEMPTED: Outcome.EXEMPTED,
    grading_selectors.STATUS_STEPPED_DOWN_PASSED: Outcome.STEPPED_DOWN_PASSED,
}


def candidate_progress(candidate: Candidate):
    """Grading decides whether a route is complete; this is the one seam to it."""
    return grading_selectors.candidate_progress(candidate)


def new_serial() -> str:
    chars = "".join(secrets.choice(SERIAL_ALPHABET) for _ in range(10))
    return f"{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def storage_key_for(serial: str) -> str:
    """Deterministic: a retried upload overwrites itself."""
    return f"certificates/{serial}.pdf"


def _components(progress) -> tuple[ComponentOutcome, ...]:
    items = []
    for item in progress.items:
        outcome = PROGRESS_OUTCOMES.get(item.status)
        if outcome is None:
            continue  # an optional component not taken: not printed
        level = "" if outcome == Outcome.EXEMPTED else item.level
        items.append(ComponentOutcome(code=item.component_code, outcome=outcome, level=level))
    return tuple(items)


def _content(data: CertificateData) -> tuple:
    """What a holder's certificate says, leaving out serial, key and issue date."""
    return (
        data.given_names,
        data.family_name,
        data.date_of_birth,
        data.regime,
        data.route,
        data.issuer,
        data.components,
    )


def issuer_for(candidate: Candidate) -> str:
    if candidate.route.issued_by_municipality:
        return candidate.municipality.name
    return AGENCY_ISSUER


def issue_certificate(candidate: Candidate, *, actor: Actor) -> Certificate:
    """Issue the certificate for the candidate's route when grading says it is complete.

    Rules: one live (valid or suspended) certificate per candidate and route.
    Idempotent: when a live certificate already says the same, it is returned
    unchanged, whoever calls and however often (concurrent callers serialise on
    the candidate row; the partial unique constraint is the backstop). A
    suspended certificate is returned as it is: a suspension is a person's
    decision, undone only by `reinstate_certificate`. When the printed content
    changed (a correction changed a level or outcome), the old certificate is
    revoked with that reason and a new one issued with a new serial.
    Raises RouteNotComplete. The PDF is rendered and stored afterwards by
    `issue_certificate_task`; this writes only the database.
    """
    authz.require_job(actor)
    key = current_signing_key(actor=actor)
    private_key = load_private_key(key.private_key_file)
    with transaction.atomic():
        candidate = (
            Candidate.objects.select_for_update(of=("self",))
            .select_related("route__regime", "municipality")
            .get(pk=candidate.pk)
        )
        route = candidate.route
        live = (
            Certificate.objects.select_for_update(of=("self",))
            .filter(candidate=candidate, route=route)
            .exclude(status=Certificate.Status.REVOKED)
            .first()
        )
        progress = candidate_progress(candidate)
        if not progress.complete:
            raise RouteNotComplete()
        serial = new_serial()
        today = timezone.localdate()
        data = CertificateData(
            serial=serial,
            key_id=key.key_id,
            given_names=candidate.given_names,
            family_name=candidate.family_name,
            date_of_birth=candidate.date_of_birth,
            regime=route.regime.code,
            route=route.code,
            issuer=issuer_for(candidate),
            issued_on=today,
            components=_components(progress),
        )
        if live is not None:
            if live.status == Certificate.Status.SUSPENDED:
                return live
            if _content(decode_token(live.payload).data) == _content(data):
                return live
            _set_status(
                live,
                Certificate.Status.REVOKED,
                actor=actor,
                reason_code=Certificate.ReasonCode.REPLACED,
                reason="Vervangen na een correctie / Replaced after a correction",
                action="certificates.certificate.revoked",
            )
        certificate = Certificate.objects.create(
            candidate=candidate,
            route=route,
            serial=serial,
            signing_key=key,
            payload=sign_payload(data, private_key),
            storage_key=storage_key_for(serial),
            issued_on=today,
            issued_at=timezone.now(),
        )
        publish_status_on_commit(certificate)
        send_certificate_changed_on_commit(certificate, ISSUED)
        record_event(
            actor,
            "certificates.certificate.issued",
            certificate,
            data={
                "serial": serial,
                "candidate": candidate.pk,
                "route": route.code,
                "regime": route.regime.code,
                "key_id": key.key_id,
                "replaces": live.serial if live is not None else None,
            },
        )
        return certificate


def reevaluate_certificate(
    candidate: Candidate, *, actor: Actor, reason: str
) -> Certificate | None:
    """After a correction: revoke the live certificate when the route is no longer complete.

    Revokes (never deletes) with the code `result_corrected`, which verifiers see, and
    `reason` as the internal note. Idempotent:
    nothing live or still complete means nothing to do; returns the
    certificate it revoked, or None. A still-complete route whose content
    changed is left to `issue_certificate`, which replaces it.
    """
    authz.require_job(actor)
    with transaction.atomic():
        candidate = Candidate.objects.select_for_update(of=("self",)).get(pk=candidate.pk)
        live = (
            Certificate.objects.select_for_update(of=("self",))
            .filter(candidate=candidate, route_id=candidate.route_id)
            .exclude(status=Certificate.Status.REVOKED)
            .first()
        )
        if live is None or candidate_progress(candidate).complete:
            return None
        return _set_status(
            live,
            Certificate.Status.REVOKED,
            actor=actor,
            reason_code=Certificate.ReasonCode.RESULT_CORRECTED,
            reason=reason,
            action="certificates.certificate.revoked",
        )


def record_certificate_stored(certificate: Certificate, *, actor: Actor) -> Certificate:
    """Note that the PDF is in storage under its key. Idempotent."""
    authz.require_job(actor)
    with transaction.atomic():
        certificate = _locked(certificate)
        if certificate.stored_at is not None:
            return certificate
        certificate.stored_at = timezone.now()
        certificate.save(update_fields=["stored_at"])
        record_event(
            actor,
            "certificates.certificate.stored",
            certificate,
            data={"serial": certificate.serial, "storage_key": certificate.storage_key},
        )
        return certificate
