"""Fixtures of the fault tests: the services they break, the worker they kill, the data.

Each test needs PostgreSQL (the worker process must see the test's committed rows,
so the tests are transactional and the worker gets the test database's name), an
S3 server over HTTP (behind a proxy the test can cut) and a redis-server binary (a
Redis of the test's own, which it may restart; the shared one is never touched).
On a plain machine they skip; in CI (REQUIRE_SERVICES set) a missing one fails.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection

from certificates.models import Certificate
from certificates.pdf import url_from_pdf
from examens.audit import SYSTEM
from examens.models import AuditEvent
from tests.certificates.conftest import Grading, ensure_bucket, s3_client
from tests.conftest import require_service
from tests.examens.factories import CandidateFactory

from .processes import CeleryWorker, RedisServer, TcpProxy, database_url


def require_fault_services() -> None:
    require_service("PostgreSQL (DATABASE_URL)", connection.vendor == "postgresql")
    require_service(
        "an S3 server over HTTP (AWS_STORAGE_BUCKET_NAME, AWS_S3_ENDPOINT_URL)",
        bool(settings.AWS_STORAGE_BUCKET_NAME and os.environ.get("AWS_S3_ENDPOINT_URL")),
    )
    require_service("the redis-server binary", shutil.which("redis-server") is not None)


@pytest.fixture
def fault_services(settings, tmp_path):
    """The services are there; certificates signed with a key of this test's own."""
    require_fault_services()
    from certificates.selectors import forget_published_keys
    from certificates.services import current_signing_key

    settings.CERTIFICATE_SIGNING_KEY_DIR = str(tmp_path / "keys")
    settings.CERTIFICATE_SIGNING_KEY_FILE = ""
    settings.SITE_URL = "https://examens.example.nl"
    ensure_bucket(settings.STORAGES["default"]["OPTIONS"])
    forget_published_keys()
    # The worker reads the key's file by the path stored with it.
    return current_signing_key(actor=SYSTEM)


@pytest.fixture
def s3():
    return s3_client(settings.STORAGES["default"]["OPTIONS"])


@pytest.fixture
def s3_proxy() -> Iterator[TcpProxy]:
    """A proxy in front of the S3 server: the worker's only way to it."""
    endpoint = urlparse(os.environ["AWS_S3_ENDPOINT_URL"])
    proxy = TcpProxy(endpoint.hostname or "127.0.0.1", endpoint.port or 80)
    yield proxy
    proxy.close()


@pytest.fixture
def broker(tmp_path) -> Iterator[RedisServer]:
    """A Redis of this test's own, persisted as production runs it (append-only file)."""
    server = RedisServer(tmp_path / "redis", appendonly=True)
    server.start()
    yield server
    server.kill()


@contextlib.contextmanager
def publishing_to(broker_url: str) -> Iterator[Celery]:
    """Make this thread publish the product's tasks to `broker_url`.

    Services and receivers queue tasks through Celery's current app
    (examens.jobs); a second app of the same configuration, current in this
    thread only, sends them to the test's own Redis instead of the shared one.
    """
    from config.celery import app as product_app

    app = Celery(product_app.main, set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    # Publishing uses the write URL; the broker URL itself follows CELERY_BROKER_URL.
    app.conf.update(broker_write_url=broker_url, task_always_eager=False)
    app.set_current()
    try:
        yield app
    finally:
        product_app.set_current()
        app.close()


@pytest.fixture
def workers(tmp_path) -> Iterator[Callable[..., CeleryWorker]]:
    """Start `celery worker` processes for this test; all stopped at its end."""
    started: list[CeleryWorker] = []

    def start(broker_url: str, *, s3_url: str | None = None, **extra: str) -> CeleryWorker:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=database_url(connection.settings_dict),
            CELERY_BROKER_URL=broker_url,
            VAR_DIR=str(tmp_path / "worker-var"),
            DJANGO_SECRET_KEY=f"faults-{uuid.uuid4().hex}{uuid.uuid4().hex}",
            SITE_URL=settings.SITE_URL,
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            EMAIL_FILE_PATH=str(tmp_path / "mail"),
            PYTHONUNBUFFERED="1",
            **extra,
        )
        if s3_url is not None:
            env["AWS_S3_ENDPOINT_URL"] = s3_url
        worker = CeleryWorker(env, tmp_path / f"worker-{len(started)}.log")
        started.append(worker)
        return worker.start()

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def grading(fault_services):
    return Grading()


@pytest.fixture
def new_candidate():
    def make(**fields):
        return CandidateFactory(**fields)

    return make


def complete_the_route(grading: Grading, candidate, broker_url: str) -> None:
    """Meet every requirement of the route, the reading exam last: its release completes
    the route, and the receiver queues the issuing on `broker_url` (with the mails of
    the results). Reading goes last because a route completed by a decision (the
    exemption Grading records) queues nothing."""
    level = candidate.route.requirements.get(component__code="LEZ").level
    with publishing_to(broker_url):
        grading.complete(candidate, skip=("LEZ",))
        grading.pass_component(candidate, "LEZ", level=level)


def backends_waiting_for_a_lock() -> list[int]:
    """Process ids of the other PostgreSQL sessions of this database waiting for a lock."""
    with connection.cursor() as cursor:
        # Inside a transaction the activity view is a snapshot taken once: refresh it.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


def mails_sent(tmp_path: Path) -> int:
    """Mails the worker's file backend wrote (a file may hold several, each followed by a
    line of 79 dashes)."""
    folder = tmp_path / "mail"
    if not folder.exists():
        return 0
    return sum(path.read_text().count("\n" + "-" * 79 + "\n") for path in folder.glob("*.log"))


def stored_keys(s3) -> set[str]:
    bucket = settings.AWS_STORAGE_BUCKET_NAME
    keys: set[str] = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="certificates/"):
        keys |= {item["Key"] for item in page.get("Contents", [])}
    return keys


def assert_issued_once_and_stored(candidate, s3, *, keys_before: set[str]) -> Certificate:
    """Exactly one certificate, issued and stored once, and one PDF for it in S3 that
    carries its signed payload. No PDF in S3 but those of the test's certificates."""
    certificates = list(Certificate.objects.filter(candidate=candidate))
    assert len(certificates) == 1, certificates
    certificate = certificates[0]
    assert certificate.status == Certificate.Status.VALID
    assert certificate.stored_at is not None
    events = AuditEvent.objects.filter(
        object_type="certificates.certificate", object_id=str(certificate.pk)
    )
    assert events.filter(action="certificates.certificate.issued").count() == 1
    assert events.filter(action="certificates.certificate.stored").count() == 1
    new_keys = stored_keys(s3) - keys_before
    assert certificate.storage_key in new_keys
    assert new_keys == set(Certificate.objects.values_list("storage_key", flat=True))
    body = s3.get_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=certificate.storage_key)
    pdf = body["Body"].read()
    assert pdf.startswith(b"%PDF")
    assert url_from_pdf(pdf).endswith(certificate.payload)
    return certificate
