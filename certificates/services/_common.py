"""Shared by the certificate services: the locked re-read and the audited status change."""

from __future__ import annotations

from django.utils import timezone

from certificates.cache import publish_status_on_commit
from certificates.models import Certificate
from certificates.signals import REVOKED, SUSPENDED, send_certificate_changed_on_commit
from examens.audit import record_event


def set_status(
    certificate: Certificate, status: str, *, actor, reason_code: str, reason: str, action: str
):
    """`reason_code` is what verifiers see; `reason`, free text, stays internal."""
    previous = certificate.status
    certificate.status = status
    certificate.status_reason_code = reason_code
    certificate.status_reason = reason
    certificate.status_changed_at = timezone.now()
    certificate.save(
        update_fields=["status", "status_reason_code", "status_reason", "status_changed_at"]
    )
    publish_status_on_commit(certificate)
    if status in (Certificate.Status.SUSPENDED, Certificate.Status.REVOKED):
        send_certificate_changed_on_commit(
            certificate, SUSPENDED if status == Certificate.Status.SUSPENDED else REVOKED
        )
    record_event(
        actor,
        action,
        certificate,
        data={
            "serial": certificate.serial,
            "from": previous,
            "to": status,
            "reason_code": reason_code,
            "reason": reason,
        },
    )
    return certificate


def locked(certificate: Certificate) -> Certificate:
    return Certificate.objects.select_for_update(of=("self",)).get(pk=certificate.pk)
