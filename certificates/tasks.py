"""Celery tasks of certificates: take ids, load, call one service, own the retry policy."""

from __future__ import annotations

import logging

from celery import shared_task

from examens.audit import SYSTEM
from examens.models import Candidate

from .exceptions import RouteNotComplete
from .selectors import certificates_with_pending_verifications
from .services import flush_verification_counts, issue_certificate, record_certificate_stored
from .storage import TRANSIENT_STORAGE_ERRORS, save_certificate_pdf

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=8, acks_late=True)
def issue_certificate_task(self, candidate_id: int) -> int | None:
    """Issue the candidate's certificate, render its PDF and put it in storage.

    Never issues twice: `issue_certificate` returns the live certificate when
    there is one, so a retry (or a second message) only redoes the upload,
    which overwrites its own deterministic key. Storage errors are retried
    with exponential backoff (2 s, 4 s, ... up to 10 minutes); a route that is
    not complete (any more) is a domain answer, not retried. Returns the
    certificate id, or None.
    """
    candidate = Candidate.objects.filter(pk=candidate_id).first()
    if candidate is None:
        return None
    try:
        certificate = issue_certificate(candidate, actor=SYSTEM)
    except RouteNotComplete:
        logger.info("certificate not issued: route of candidate %s not complete", candidate_id)
        return None
    if certificate.stored_at is None:
        try:
            save_certificate_pdf(certificate)
        except TRANSIENT_STORAGE_ERRORS as error:
            countdown = min(2 ** (self.request.retries + 1), 600)
            raise self.retry(exc=error, countdown=countdown) from error
        record_certificate_stored(certificate, actor=SYSTEM)
    return certificate.pk


@shared_task(acks_late=True)
def flush_verification_counts_task() -> int:
    """Periodic: move the verification counts pending in the cache into the database.

    Selects cheaply (ids, then the cache in batches); the service locks and
    re-reads each row, so two runs, overlapping or not, never count a scan
    twice or drop one. Not retried: the next run picks up whatever is left.
    Returns the number of verifications moved.
    """
    pending = list(certificates_with_pending_verifications())
    return flush_verification_counts(pending, actor=SYSTEM)
