"""Services queue tasks by name after commit; tasks import services, never the reverse."""

import ast
import logging
from pathlib import Path

import pytest
from celery.app.task import Task
from kombu.exceptions import OperationalError

from examens.jobs import enqueue_on_commit
from tests.examens.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
APPS = ("examens", "scheduling", "grading", "certificates")


@pytest.mark.django_db
def test_a_task_queued_by_name_runs_after_commit(django_capture_on_commit_callbacks, mailoutbox):
    user = UserFactory(email="staff@x.nl")

    with django_capture_on_commit_callbacks() as callbacks:
        enqueue_on_commit("examens.tasks.send_security_email_task", user.pk, "device_added")
    assert mailoutbox == []  # nothing before the commit

    for callback in callbacks:
        callback()
    assert [message.to for message in mailoutbox] == [["staff@x.nl"]]


@pytest.mark.django_db
def test_an_unknown_task_name_fails_loudly(django_capture_on_commit_callbacks):
    with (
        pytest.raises(KeyError),
        django_capture_on_commit_callbacks(execute=True),
    ):
        enqueue_on_commit("scheduling.tasks.no_such_task", 1)


@pytest.mark.django_db
def test_a_broker_that_cannot_be_reached_is_logged_and_the_commit_stands(
    django_capture_on_commit_callbacks, mailoutbox, monkeypatch, caplog
):
    """What Celery raises when Redis refuses the connection: the action has committed."""

    def refused(self, *args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(Task, "apply_async", refused)
    user = UserFactory(email="staff@x.nl")
    with (
        caplog.at_level(logging.ERROR, logger="examens.jobs"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        enqueue_on_commit("examens.tasks.send_security_email_task", user.pk, "device_added")

    assert mailoutbox == []
    assert "Broker unreachable, examens.tasks.send_security_email_task not queued" in caplog.text


def _imports(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            yield node, node.module or "", [alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            yield node, "", [alias.name for alias in node.names]


def _service_modules():
    for app in APPS:
        yield from (ROOT / app).glob("services.py")
        yield from (ROOT / app).glob("services/*.py")
    yield ROOT / "examens" / "twofactor.py"


@pytest.mark.parametrize("path", list(_service_modules()), ids=lambda p: str(p.relative_to(ROOT)))
def test_services_never_import_a_tasks_module(path):
    tree = ast.parse(path.read_text())
    offending = [
        node.lineno
        for node, module, names in _imports(tree)
        if module.split(".")[-1] == "tasks" or "tasks" in names
    ]
    assert offending == [], f"{path.name} imports tasks at lines {offending}"


@pytest.mark.parametrize(
    "path", [ROOT / app / "tasks.py" for app in APPS], ids=lambda p: str(p.relative_to(ROOT))
)
def test_tasks_import_at_the_top_only(path):
    tree = ast.parse(path.read_text())
    local = [
        node.lineno
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        for node, _module, _names in _imports(function)
    ]
    assert local == [], f"{path.name} imports inside functions at lines {local}"
