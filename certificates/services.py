"""Everything that changes certificates and signing keys. One transaction and audit event each."""

from __future__ import annotations

import secrets

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from examens import authz
from examens.audit import Actor, record_event
from examens.models import Candidate
from grading import selectors as grading_selectors

from . import permissions
from .cache import (
    add_pending_verification,
    forget_keys_on_commit,
    publish_status_on_commit,
    restore_pending_verifications,
    take_pending_verifications,
)
from .exceptions import (
    CertificateNotSuspended,
    CertificateRevoked,
    ReasonRequired,
    RouteNotComplete,
)
from .keys import bootstrap_key_file, generate_key_file, load_private_key
from .models import Certificate, SigningKey
from .payload import (
    CertificateData,
    ComponentOutcome,
    Outcome,
    decode_token,
    key_id_for,
    public_key_text,
    sign_payload,
)

AGENCY_ISSUER = "DUO"
SERIAL_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
_KEY_LOCK_ID = 0x63657274  # "cert": serialises key bootstrap and rotation on PostgreSQL

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


def _lock_keys() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_KEY_LOCK_ID])


def _register_key(path: str, *, actor, now) -> SigningKey:
    """Make the key in `path` the current one; close the window of the one before."""
    private_key = load_private_key(path)
    public_key = private_key.public_key()
    key_id = key_id_for(public_key)
    existing = SigningKey.objects.filter(key_id=key_id).first()
    if existing is not None and existing.valid_until is None:
        return existing
    previous = list(SigningKey.objects.select_for_update().filter(valid_until__isnull=True))
    for old in previous:
        old.valid_until = now
        old.save(update_fields=["valid_until"])
    if existing is not None:
        raise ValueError(f"key {key_id} was retired and cannot become current again")
    key = SigningKey.objects.create(
        key_id=key_id,
        public_key=public_key_text(public_key),
        private_key_file=str(path),
        valid_from=now,
    )
    forget_keys_on_commit()
    record_event(
        actor,
        "certificates.signing_key.activated",
        key,
        data={"key_id": key_id, "retired": [old.key_id for old in previous]},
    )
    return key


def current_signing_key(*, actor: Actor) -> SigningKey:
    """The key that signs now; on first use register the configured file or generate one.

    Idempotent: concurrent first uses end with one key (advisory lock on
    PostgreSQL, IMMEDIATE transactions on SQLite). Side effect on first use:
    writes a private key file (0600) into the key directory.
    """
    authz.require_job(actor)
    key = SigningKey.objects.filter(valid_until__isnull=True).order_by("-valid_from").first()
    if key is not None:
        return key
    with transaction.atomic():
        _lock_keys()
        key = SigningKey.objects.filter(valid_until__isnull=True).first()
        if key is not None:
            return key
        path = bootstrap_key_file() or str(generate_key_file())
        return _register_key(path, actor=actor, now=timezone.now())


def rotate_signing_key(*, actor: Actor, key_file: str | None = None) -> SigningKey:
    """Add a new current key (from `key_file`, or generated) and retire the current one.

    The retired key keeps verifying the certificates it signed: its window
    ends now instead of staying open. Not idempotent by design: each call is a
    rotation. Raises ValueError when `key_file` holds a retired key.
    """
    authz.require_job(actor)
    path = key_file or str(generate_key_file())
    with transaction.atomic():
        _lock_keys()
        return _register_key(path, actor=actor, now=timezone.now())


# --- issuing -----------------------------------------------------------------------------


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


def _set_status(certificate: Certificate, status: str, *, actor, reason: str, action: str):
    previous = certificate.status
    certificate.status = status
    certificate.status_reason = reason
    certificate.status_changed_at = timezone.now()
    certificate.save(update_fields=["status", "status_reason", "status_changed_at"])
    publish_status_on_commit(certificate)
    record_event(
        actor,
        action,
        certificate,
        data={
            "serial": certificate.serial,
            "from": previous,
            "to": status,
            "reason": reason,
        },
    )
    return certificate


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

    Revokes (never deletes) with `reason`, which verifiers see. Idempotent:
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
            reason=reason,
            action="certificates.certificate.revoked",
        )


def _locked(certificate: Certificate) -> Certificate:
    return Certificate.objects.select_for_update(of=("self",)).get(pk=certificate.pk)


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired(field="reason")
    return reason


def suspend_certificate(certificate: Certificate, *, actor: Actor, reason: str) -> Certificate:
    """Suspend a valid certificate (under investigation), with the reason verifiers see.

    Idempotent for an already suspended certificate (the first reason stays).
    Raises ReasonRequired, CertificateRevoked.
    """
    person = authz.require_person(actor)
    authz.require(permissions.can_manage(person, certificate))
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
        certificate.status_reason = ""
        certificate.status_changed_at = timezone.now()
        certificate.save(update_fields=["status", "status_reason", "status_changed_at"])
        publish_status_on_commit(certificate)
        record_event(
            actor,
            "certificates.certificate.reinstated",
            certificate,
            data={"serial": certificate.serial, "reason": reason},
        )
        return certificate


def revoke_certificate(certificate: Certificate, *, actor: Actor, reason: str) -> Certificate:
    """Revoke for good, with the reason verifiers see. A status change, never a delete.

    Idempotent for an already revoked certificate (the first reason stays).
    Raises ReasonRequired.
    """
    person = authz.require_person(actor)
    authz.require(permissions.can_manage(person, certificate))
    reason = _require_reason(reason)
    with transaction.atomic():
        certificate = _locked(certificate)
        if certificate.status == Certificate.Status.REVOKED:
            return certificate
        return _set_status(
            certificate,
            Certificate.Status.REVOKED,
            actor=actor,
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
            if taken:
                restore_pending_verifications(serial, taken)
            raise
        moved += taken
    return moved
