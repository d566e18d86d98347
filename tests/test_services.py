"""The services way of running, against the real thing: PostgreSQL, a Celery worker on
Redis, the Redis cache and an S3-compatible server over HTTP (moto's server in CI).

Each test is skipped on a plain machine and fails in CI (REQUIRE_SERVICES set) when its
service is not configured.
"""

import contextlib
import logging
import threading
import urllib.request
import uuid

import boto3
import pytest
from botocore.exceptions import ClientError
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection

from config.celery import app
from tests.conftest import agency_staff, require_service

pytestmark = pytest.mark.services

CI_QUEUE = "examenbeheer-ci-ping"

# The worker runs in a thread of this process: the task tells the test through these.
_executed = threading.Event()
_tokens: list[str] = []


@app.task(name="tests.test_services.record_token")
def record_token(token: str) -> None:
    _tokens.append(token)
    _executed.set()


@pytest.fixture
def keep_root_logger():
    """The embedded worker sets up Celery logging on the root logger; put it back."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.real_worker
def test_celery_runs_tasks_on_a_real_worker_over_redis(keep_root_logger):
    require_service("Celery broker (CELERY_BROKER_URL)", bool(settings.CELERY_BROKER_URL))
    assert app.conf.task_always_eager is False
    assert app.conf.broker_url.startswith("redis://")
    _executed.clear()
    token = uuid.uuid4().hex

    with start_worker(
        app,
        pool="solo",
        perform_ping_check=False,
        queues=[CI_QUEUE],
        loglevel="WARNING",
        shutdown_timeout=30,
    ):
        # Published to the broker, not run here: eager mode is off.
        record_token.apply_async(args=[token], queue=CI_QUEUE)
        assert _executed.wait(timeout=30), "the worker did not run the task"

    assert token in _tokens


def _s3_client():
    options = settings.STORAGES["default"]["OPTIONS"]
    return boto3.client(
        "s3",
        endpoint_url=options["endpoint_url"],
        region_name=options["region_name"],
        aws_access_key_id=options["access_key"],
        aws_secret_access_key=options["secret_key"],
    )


def _ensure_bucket(client, bucket: str, region: str) -> None:
    try:
        client.head_bucket(Bucket=bucket)
    except ClientError:
        extra = {}
        if region != "us-east-1":
            extra["CreateBucketConfiguration"] = {"LocationConstraint": region}
        with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou):
            client.create_bucket(Bucket=bucket, **extra)


def test_default_storage_is_s3_over_http():
    require_service("S3 storage (AWS_STORAGE_BUCKET_NAME)", bool(settings.AWS_STORAGE_BUCKET_NAME))
    from storages.backends.s3 import S3Storage

    assert isinstance(default_storage, S3Storage)
    options = settings.STORAGES["default"]["OPTIONS"]
    bucket = settings.AWS_STORAGE_BUCKET_NAME
    client = _s3_client()
    _ensure_bucket(client, bucket, options["region_name"])

    name = f"ci/{uuid.uuid4().hex}/bewijs.txt"
    assert default_storage.save(name, ContentFile(b"eerste versie")) == name
    with default_storage.open(name) as stored:
        assert stored.read() == b"eerste versie"

    # file_overwrite=True: the same name is the same key, not a renamed copy.
    assert default_storage.save(name, ContentFile(b"tweede versie")) == name
    with default_storage.open(name) as stored:
        assert stored.read() == b"tweede versie"
    keys = client.list_objects_v2(Bucket=bucket, Prefix=name.rsplit("/", 1)[0])["Contents"]
    assert [item["Key"] for item in keys] == [name]

    # A signed URL is fetched over plain HTTP from the server itself.
    url = default_storage.url(name)
    if options["endpoint_url"]:
        assert url.startswith(options["endpoint_url"])
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (our endpoint)
        assert response.read() == b"tweede versie"

    default_storage.delete(name)
    assert not default_storage.exists(name)


@pytest.mark.django_db
def test_database_is_postgresql():
    require_service("PostgreSQL (DATABASE_URL)", bool(settings.DATABASE_URL))
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        (name,) = cursor.fetchone()
    assert name.startswith("test_")


def test_cache_is_redis():
    require_service("Redis cache (REDIS_URL)", bool(settings.REDIS_URL))
    cache = caches["default"]
    assert type(cache).__name__ == "RedisCache"
    key = f"ci-{uuid.uuid4().hex}"
    cache.set(key, {"poging": 1}, timeout=30)
    assert cache.get(key) == {"poging": 1}
    cache.delete(key)
    assert cache.get(key) is None


@pytest.mark.real_worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_security_mail_is_sent_by_a_real_worker_over_redis(keep_root_logger, mailoutbox):
    """A domain task, published after commit, is executed by a worker reading Redis."""
    require_service("Celery broker (CELERY_BROKER_URL)", bool(settings.CELERY_BROKER_URL))
    from examens.tasks import send_security_email_task
    from tests.examens.factories import UserFactory

    user = UserFactory(email="examiner@example.nl")
    with start_worker(
        app,
        pool="solo",
        perform_ping_check=False,
        queues=[CI_QUEUE],
        loglevel="WARNING",
        shutdown_timeout=30,
    ):
        send_security_email_task.apply_async(args=[user.pk, "device_added"], queue=CI_QUEUE)
        for _ in range(300):
            if mailoutbox:
                break
            threading.Event().wait(0.1)
    assert [message.to for message in mailoutbox] == [["examiner@example.nl"]]


@pytest.mark.real_worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_invitation_outbox_runs_on_a_real_worker_over_redis(keep_root_logger, mailoutbox):
    """A booking publishes nothing; the outbox job, run by a worker, sends its invitation."""
    require_service("Celery broker (CELERY_BROKER_URL)", bool(settings.CELERY_BROKER_URL))
    from scheduling.services import book_candidate
    from scheduling.tasks import send_pending_invitations_task
    from tests.scheduling.factories import SessionFactory, candidate_for

    session = SessionFactory()
    candidate = candidate_for(session, email="kandidaat@example.nl")
    booking = book_candidate(session, actor=agency_staff(), candidate=candidate)
    assert mailoutbox == []
    with start_worker(
        app,
        pool="solo",
        perform_ping_check=False,
        queues=[CI_QUEUE],
        loglevel="WARNING",
        shutdown_timeout=30,
    ):
        send_pending_invitations_task.apply_async(queue=CI_QUEUE)
        for _ in range(300):
            if mailoutbox:
                break
            threading.Event().wait(0.1)
    assert [message.to for message in mailoutbox] == [["kandidaat@example.nl"]]
    assert booking.reference in mailoutbox[0].body
