"""Celery tasks of grading. The beat schedule (config/settings.py) runs the daily one."""

from celery import shared_task

from examens.audit import SystemActor


@shared_task(name="grading.tasks.flag_overdue_results_task")
def flag_overdue_results_task() -> int:
    """Flag sittings whose result is overdue. Safe to run twice (each booking is flagged once)."""
    from .services import flag_overdue_results

    return flag_overdue_results(actor=SystemActor("grading.flag_overdue_results"))
