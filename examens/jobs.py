"""Queue a Celery task after commit, by name: services never import the tasks modules.

Tasks import the services they call at the top of their module; a service that
wants work done later names the task instead (`"scheduling.tasks.send_offer_mail_task"`),
so no service imports a tasks module and the import graph has no cycle hidden
inside a function. The task is looked up in the Celery app's registry when the
transaction commits; the registry is filled by autodiscovery (config/celery.py)
and, to be sure in every process (eager mode, management commands), by importing
each installed app's tasks module before the first lookup.

A broker that cannot be reached when the transaction commits does not undo or fail
the action that committed: the task is not queued, and that is logged. Work that
must not be lost therefore never rests on the message alone (the invitation
outbox, the certificate sweep); docs/decisions/0013-task-delivery.md lists which
tasks are at most once and why.
"""

from __future__ import annotations

import logging
import threading
from functools import partial

from celery import current_app
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerUnavailable

logger = logging.getLogger(__name__)

_discovering = threading.Lock()


def _task(name: str):
    tasks = current_app.tasks
    if name not in tasks:
        # Autodiscovery is lazy: load every app's tasks module (once, one thread at a
        # time, so no thread sees a module another is still importing), then look again.
        with _discovering:
            if name not in tasks:
                current_app.loader.import_default_modules()
                current_app.autodiscover_tasks(force=True)
    return tasks[name]


def enqueue_on_commit(task_name: str, *args) -> None:
    """Send the task named `task_name` with `args` once the current transaction commits.

    Outside a transaction it is sent at once. Raises KeyError at commit for a name
    no installed app registers (a typo must not pass silently); a broker that
    cannot be reached is logged, not raised (the action has committed).
    """
    transaction.on_commit(partial(_send, task_name, args))


def _send(task_name: str, args: tuple) -> None:
    task = _task(task_name)
    try:
        task.delay(*args)
    except BrokerUnavailable as error:
        logger.error("Broker unreachable, %s not queued: %s", task_name, type(error).__name__)
