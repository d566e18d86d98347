"""Celery tasks of certificates: take ids, load, call one service, own the retry policy."""

from __future__ import annotations

import datetime
import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from examens.audit import SYSTEM
from examens.models import Candidate

from .exceptions import RouteNotComplete
from .models import Certificate
from .selectors import (
    candidates_to_check_for_issuing,
    certificates_awaiting_storage,
    certificates_with_pending_verifications,
    issuing_sweep_mark,
)
from .services import (
    advance_issuing_sweep,
    flush_verification_counts,
    issue_certificate,
    record_certificate_stored,
)
from .storage import TRANSIENT_STORAGE_ERRORS, save_certificate_pdf

logger = logging.getLogger(__name__)


def store_certificate_pdf(certificate: Certificate) -> Certificate:
    """Render the PDF, put it under its deterministic key, then note it stored.

    Storage errors propagate (the caller retries); a second store overwrites
    the same key with the same document and notes nothing new.
    """
    save_certificate_pdf(certificate)
    return record_certificate_stored(certificate, actor=SYSTEM)


@shared_task(bind=True, max_retries=8, acks_late=True)
def issue_certificate_task(self, candidate_id: int) -> int | None:
    """Issue the candidate's certificate, render its PDF and put it in storage.

    Never issues twice: `issue_certificate` returns the live certificate when
    there is one, so a retry (or a second message, or the message redelivered
    after its worker died) only redoes the upload, which overwrites its own
    deterministic key. Storage errors are retried with exponential backoff
    (2 s, 4 s, ... 256 s: about eight and a half minutes in all); after that,
    or when the message itself is lost, `complete_pending_certificates_task`
    finishes the work. A route that is not complete (any more) is a domain
    answer, not retried. Returns the certificate id, or None.
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
            store_certificate_pdf(certificate)
        except TRANSIENT_STORAGE_ERRORS as error:
            countdown = min(2 ** (self.request.retries + 1), 600)
            raise self.retry(exc=error, countdown=countdown) from error
    return certificate.pk


@shared_task(acks_late=True)
def complete_pending_certificates_task(grace_seconds: int | None = None) -> int:
    """Periodic: finish what a lost or failed `issue_certificate_task` left undone.

    The issuing task travels through the broker, which may lose it (a Redis
    without persistence restarted, a publish during a broker outage), and it
    gives up when storage stays down longer than its backoff. Working from
    the database alone, this job
    1. stores the PDF of every live certificate issued more than the grace
       period ago and not yet stored, oldest first; the first storage error
       ends this part (storage is down: the next run goes on);
    2. issues for every candidate with a passing result released since the
       sweep's mark (up to the grace period ago) and no live certificate
       issued since: `issue_certificate` decides whether the route is
       complete and never issues twice; the PDF is stored at once when
       storage answers, else by part 1 of a later run;
    then moves the mark to the end of the grace period. An unexpected error
    propagates before the mark moves, so the next run checks the same
    releases again. The grace period (CERTIFICATE_SWEEP_GRACE_SECONDS)
    leaves the task its own retries first. Safe to run twice or alongside the
    tasks: issuing is idempotent per candidate and route, the PDF key is
    deterministic, and the mark never moves back. Returns how many
    certificates it issued or stored.
    """
    started = timezone.now()
    grace = settings.CERTIFICATE_SWEEP_GRACE_SECONDS if grace_seconds is None else grace_seconds
    until = started - datetime.timedelta(seconds=grace)
    done: set[int] = set()
    storage_up = True
    for certificate in Certificate.objects.filter(
        pk__in=certificates_awaiting_storage(issued_before=until)
    ).order_by("issued_at", "pk"):
        storage_up = _store_in_sweep(certificate)
        if not storage_up:
            break
        done.add(certificate.pk)
    mark = issuing_sweep_mark() or until - datetime.timedelta(
        days=settings.CERTIFICATE_SWEEP_FIRST_LOOKBACK_DAYS
    )
    for candidate_id in candidates_to_check_for_issuing(released_after=mark, released_until=until):
        candidate = Candidate.objects.filter(pk=candidate_id).first()
        if candidate is None:
            continue
        try:
            certificate = issue_certificate(candidate, actor=SYSTEM)
        except RouteNotComplete:
            continue
        if certificate.issued_at >= started:
            done.add(certificate.pk)
        if certificate.stored_at is None and storage_up:
            storage_up = _store_in_sweep(certificate)
            if storage_up:
                done.add(certificate.pk)
    advance_issuing_sweep(until, actor=SYSTEM)
    return len(done)


def _store_in_sweep(certificate: Certificate) -> bool:
    """Store the PDF; False (and a warning) when storage is unavailable."""
    try:
        store_certificate_pdf(certificate)
    except TRANSIENT_STORAGE_ERRORS as error:
        logger.warning("Certificate storage unavailable (%s); next run.", type(error).__name__)
        return False
    return True


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
