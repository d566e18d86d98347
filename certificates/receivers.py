"""Listening to grading: issue when a route completes, revoke when a correction breaks it.

Grading sends its signals on commit with ids only; the receivers read
progress, then queue the work (`enqueue_on_commit`: a broker outage is logged, and
`tasks.complete_pending_certificates_task` issues what was not queued) or call one
service.
"""

from __future__ import annotations

from examens.audit import SYSTEM
from examens.jobs import enqueue_on_commit
from examens.models import Candidate
from grading.models import Result

from . import services

ISSUE_TASK = "certificates.tasks.issue_certificate_task"


def on_result_released(sender, *, result_id: int, candidate_id: int, **kwargs) -> None:
    candidate = Candidate.objects.filter(pk=candidate_id).first()
    if candidate is not None and services.candidate_progress(candidate).complete:
        enqueue_on_commit(ISSUE_TASK, candidate.pk)


def correction_reason(result_id: int) -> str:
    code = Result.objects.filter(pk=result_id).values_list("component__code", flat=True).first()
    part = f" ({code})" if code else ""
    return (
        f"Een resultaat{part} is gecorrigeerd; de leerroute is niet meer afgerond. / "
        f"A result{part} was corrected; the learning route is no longer complete."
    )


def on_result_corrected(
    sender, *, result_id: int, candidate_id: int, previous_id: int | None = None, **kwargs
) -> None:
    """Still complete: (re)issue, which replaces a certificate whose content changed.
    No longer complete: revoke the live certificate with the reason, at once."""
    candidate = Candidate.objects.filter(pk=candidate_id).first()
    if candidate is None:
        return
    if services.candidate_progress(candidate).complete:
        enqueue_on_commit(ISSUE_TASK, candidate.pk)
    else:
        services.reevaluate_certificate(
            candidate, actor=SYSTEM, reason=correction_reason(result_id)
        )
