"""The Celery app. Its configuration lives in settings under the CELERY_ prefix."""

import os

from celery import Celery
from celery.signals import after_setup_logger, after_setup_task_logger, worker_init

from examens.checks import refuse_to_start
from examens.privacy import mask_every_handler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("examenbeheer")
# The current app in every thread, not only the importing one: services queue tasks
# by name through celery.current_app (examens.jobs), also from request threads.
app.set_default()
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@after_setup_logger.connect
@after_setup_task_logger.connect
def mask_bsns_in_worker_logs(**kwargs) -> None:
    """The worker installs its own log handlers (root and task loggers): mask them too."""
    mask_every_handler()


@worker_init.connect
def refuse_to_start_without_a_public_site_url(**kwargs) -> None:
    """A worker renders the certificates' QR codes: production needs an https:// SITE_URL."""
    refuse_to_start()
