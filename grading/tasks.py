"""Celery tasks of grading. The beat schedule (config/settings.py) runs the daily one."""

from celery import shared_task
from django.core.mail import send_mail

from examens.audit import SystemActor
from examens.mail import TRANSIENT_MAIL_ERRORS, render_bilingual

from .models import Result
from .services import flag_overdue_results


@shared_task(name="grading.tasks.flag_overdue_results_task")
def flag_overdue_results_task() -> int:
    """Flag sittings whose result is overdue. Safe to run twice (each booking is flagged once)."""
    return flag_overdue_results(actor=SystemActor("grading.flag_overdue_results"))


@shared_task(
    name="grading.tasks.send_result_mail_task",
    autoretry_for=TRANSIENT_MAIL_ERRORS,
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def send_result_mail_task(result_id: int, event: str) -> None:
    """Tell the candidate a released (or corrected) result: pass/fail and the scale score.

    Never the BSN, never item content or raw answers. Sent after commit by
    release_result / correct_result; a candidate without an e-mail address
    gets nothing (the municipality informs them). Retries transient mail errors.
    """
    result = (
        Result.objects.select_related("candidate", "component")
        .filter(pk=result_id, status=Result.Status.RELEASED)
        .first()
    )
    if result is None or not result.candidate.email:
        return
    context = {
        "event": event,
        "result": result,
        "component": result.component,
        "candidate_name": result.candidate.full_name,
    }
    subject, body = render_bilingual(
        "grading/mail/result_subject.txt",
        "grading/mail/result.txt",
        context,
        result.candidate.preferred_language,
    )
    send_mail(
        subject=subject, message=body, from_email=None, recipient_list=[result.candidate.email]
    )
