"""The Celery app. Its configuration lives in settings under the CELERY_ prefix."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("examenbeheer")
# The current app in every thread, not only the importing one: services queue tasks
# by name through celery.current_app (examens.jobs), also from request threads.
app.set_default()
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
