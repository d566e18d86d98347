"""Signals that tell higher apps (monitoring's webhooks) what happened to a certificate.

Sent on commit by the certificate services, with ids only:
`certificate_changed(sender=Certificate, certificate_id=..., serial=..., candidate_id=...,
change=...)`,
`change` one of CHANGES: `issued`, `suspended`, `reinstated`, `revoked`.
"""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.dispatch import Signal

from .models import Certificate

certificate_changed = Signal()

ISSUED, SUSPENDED, REINSTATED, REVOKED = "issued", "suspended", "reinstated", "revoked"
CHANGES = (ISSUED, SUSPENDED, REINSTATED, REVOKED)


def _send(ids: dict) -> None:
    certificate_changed.send(sender=Certificate, **ids)


def send_certificate_changed_on_commit(certificate: Certificate, change: str) -> None:
    """Send `certificate_changed` once the current transaction commits (nothing on rollback)."""
    if change not in CHANGES:
        raise ValueError(change)
    ids = {
        "certificate_id": certificate.pk,
        "serial": certificate.serial,
        "candidate_id": certificate.candidate_id,
        "change": change,
    }
    transaction.on_commit(partial(_send, ids))
