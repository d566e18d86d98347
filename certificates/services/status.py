"""Certificate status after issue: suspend, reinstate, revoke, and the verification counts."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from certificates import permissions
from certificates.cache import (
    add_pending_verification,
    publish_status_on_commit,
    restore_pending_verifications,
    take_pending_verifications,
)
from certificates.exceptions import (
    CertificateNotSuspended,
    CertificateRevoked,
    ReasonCodeRequired,
    ReasonRequired,
)
from certificates.models import REVOKE_REASONS, SUSPEND_REASONS, Certificate
from certificates.signals import REINSTATED, send_certificate_changed_on_commit
from examens import authz
from examens.audit import Actor, record_event

from ._common import locked as _locked
from ._common import set_status as _set_status


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired(field="reason")
    return reason


def _require_reason_code(reason_code: str, allowed) -> str:
    if reason_code not in allowed:
        raise ReasonCodeRequired(field="reason_code")
    return str(reason_code)


def suspend_certificate(
    certificate: Certificate, *, actor: Actor, reason_code: str, reason: str
) -> Certificate:
    """Suspend a valid certificate (under investigation).

    Verifiers see `reason_code` (one of SUSPEND_REASONS) with its label; `reason`,
    free text, stays internal (staff page, audit trail). Idempotent for an already
    suspended certificate (the first reason stays).
    Raises ReasonCodeRequired, ReasonRequired, CertificateRevoked.
    """
    person = authz.require_person(actor)
    authz.require(permissions.can_manage(person, certificate))
    reason_code = _require_reason_code(reason_code, SUSPEND_REASONS)
    reason = _require_reason(reason)
    with transaction.atomic():
        certificate = _locked(certificate)
        if certificate.status == Certificate.Status.SUSPENDED:
            return certificate
        if certificate.status == Certificate.Status.REVOKED:
            raise CertificateRevoked()
        return _set_status(
            certificate,
            Certificate.Status.SUSPENDED,
            actor=actor,
            reason_code=reason_code,
            reason=reason,
            action="certificates.certificate.suspended",
        )


def reinstate_certificate(certificate: Certificate, *, actor: Actor, reason: str) -> Certificate:
    """Lift a suspension. Idempotent for a valid certificate.

    Raises ReasonRequired, CertificateRevoked (revocation is final).
    """
    person = authz.require_person(actor)
    authz.require(permissions.can_manage(person, certificate))
    reason = _require_reason(reason)
    with transaction.atomic():
        certificate = _locked(certificate)
        if certificate.status == Certificate.Status.VALID:
            return certificate
        if certificate.status == Certificate.Status.REVOKED:
            raise CertificateNotSuspended()
        certificate.status = Certificate.Status.VALID
        certificate.status_reason_code = ""
        certificate.status_reason = ""
        certificate.status_changed_at = timezone.now()
        certificate.save(
            update_fields=["status", "status_reason_code", "status_reason", "status_changed_at"]
        )
        publish_status_on_commit(certificate)
        send_certificate_changed_on_commit(certificate, REINSTATED)
        record_event(
            actor,
            "certificates.certificate.reinstated",
            certificate,
            data={"serial": certificate.serial, "reason": reason},
        )
        return certificate


def revoke_certificate(
    certificate: Certificate, *, actor: Actor, reason_code: str, reason: str
) -> Certificate:
    """Revoke for good. A status change, never a delete.

    Verifiers see `reason_code` (one of REVOKE_REASONS) with its label; `reason`,
    free text, stays internal. Idempotent for an already revoked certificate (the
    first reason stays). Raises ReasonCodeRequired, ReasonRequired.
    """
    person = authz.require_person(actor)
    authz.require(permissions.can_manage(person, certificate))
    reason_code = _require_reason_code(reason_code, REVOKE_REASONS)
    reason = _require_reason(reason)
    with transaction.atomic():
        certificate = _locked(certificate)
        if certificate.status == Certificate.Status.REVOKED:
            return certificate
        return _set_status(
            certificate,
            Certificate.Status.REVOKED,
            actor=actor,
            reason_code=reason_code,
            reason=reason,
            action="certificates.certificate.revoked",
        )


def count_verification(serial: str) -> None:
    """Add one to the certificate's verification count: how often, never by whom.

    Deliberately without an audit event or an actor: the verifier is
    anonymous, and an event per scan would record exactly what we promise not
    to keep. Touches only the shared cache (one increment, no database write
    per scan); `flush_verification_counts` moves the pending counts into
    `Certificate.verification_count`, and `selectors.verification_count` shows
    both. A cache lost before a flush loses its pending counts, never more.
    """
    add_pending_verification(serial)


def flush_verification_counts(certificate_ids, *, actor: Actor) -> int:
    """Move the pending verification counts of `certificate_ids` into the database.

    Per certificate: lock the row, then take what is pending from the cache
    (an atomic subtraction, so scans arriving meanwhile stay pending) and add
    it to `verification_count`. Safe to run twice or concurrently: the row
    lock serialises runs, and a second run finds nothing left to move. When
    the database write fails the taken counts are put back. No audit event
    (a count is not an action of anyone; `actor` is there for the rule).
    Returns the number of verifications moved.
    """
    authz.require_job(actor)
    moved = 0
    for certificate_id in certificate_ids:
        taken = 0
        try:
            with transaction.atomic():
                serial = (
                    Certificate.objects.select_for_update(of=("self",))
                    .filter(pk=certificate_id)
                    .values_list("serial", flat=True)
                    .first()
                )
                if serial is None:
                    continue
                taken = take_pending_verifications(serial)
                if taken:
                    Certificate.objects.filter(pk=certificate_id).update(
                        verification_count=F("verification_count") + taken
                    )
        except Exception:
            if taken and serial is not None:
                restore_pending_verifications(serial, taken)
            raise
        moved += taken
    return moved
