"""The certificate sweep's mark: how far released results have been checked."""

from __future__ import annotations

import datetime

from django.db import transaction

from certificates.models import IssuingSweep
from examens import authz
from examens.audit import Actor

ISSUING_SWEEP = "issuing"


def advance_issuing_sweep(checked_until: datetime.datetime, *, actor: Actor) -> IssuingSweep:
    """Record that every release up to `checked_until` has been checked for issuing.

    The mark only moves forward: a slower run that finishes after a faster one
    never moves it back. Idempotent. A job's service (refuses a person). No
    audit event: the mark is the job's own bookkeeping, not an action on
    anyone's data; what the sweep issues and stores is audited by
    `issue_certificate` and `record_certificate_stored`.
    """
    authz.require_job(actor)
    with transaction.atomic():
        sweep, created = IssuingSweep.objects.select_for_update().get_or_create(
            name=ISSUING_SWEEP, defaults={"checked_until": checked_until}
        )
        if not created and sweep.checked_until < checked_until:
            sweep.checked_until = checked_until
            sweep.save(update_fields=["checked_until"])
        return sweep
