"""Shared fixtures: users with and without a verified second factor, services switches."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.db import transaction
from django_otp import DEVICE_ID_SESSION_KEY
from hypothesis import settings as hypothesis_settings

from examens.audit import record_event
from examens.authz import FACTOR_VERIFIED_ACTION
from examens.models import User
from tests.examens.factories import MembershipFactory, UserFactory, add_totp_device

REQUIRE_SERVICES = bool(os.environ.get("REQUIRE_SERVICES"))

# Property tests keep no example database and write their caches (.hypothesis/) into a
# temporary folder, never the working tree; every run tries the same examples as CI.
_HYPOTHESIS_HOME = tempfile.mkdtemp(prefix="hypothesis-")
atexit.register(shutil.rmtree, _HYPOTHESIS_HOME, ignore_errors=True)
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", _HYPOTHESIS_HOME)
hypothesis_settings.register_profile("suite", database=None, derandomize=True)
hypothesis_settings.load_profile("suite")

# Test users' passwords with a fast hasher: PBKDF2's million rounds cost every factory
# user about half a second; no test is about the hasher (production keeps Django's).
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Scan every response, mail, log record, PDF and QR payload for a BSN of the test data;
# check the CSP and Cache-Control of every page.
pytest_plugins = ["tests.bsn_scan", "tests.page_policy"]


def require_service(name: str, configured: bool) -> None:
    """Skip a service test on a plain machine; fail it in CI (REQUIRE_SERVICES set)."""
    if configured:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES is set but {name} is not configured")
    pytest.skip(f"{name} not configured (set REQUIRE_SERVICES in CI)")


def race(jobs):
    """Run each job in its own thread (own database connection), all released at once.

    Returns each job's return value or the exception it raised, in order.
    """
    import threading

    from django.db import connections

    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(index, job):
        try:
            barrier.wait(timeout=30)
            results[index] = job()
        except Exception as error:  # noqa: BLE001 - collected and asserted on by the caller
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


class Clock:
    """A clock the test moves by hand, for settings.THROTTLE_CLOCK (login throttling and
    the verification rate limit): no test waits for real time to pass."""

    def __init__(self, start: float = 1_900_000_000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def throttle_clock(settings):
    """The throttle's clock under the test's control, and no counts left from elsewhere."""
    clock = Clock()
    settings.THROTTLE_CLOCK = clock
    cache.clear()
    yield clock
    cache.clear()


def login_verified(client, user):
    """Log `user` in with a confirmed TOTP device already verified in the session."""
    device = user.totpdevice_set.filter(confirmed=True).first() or add_totp_device(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def mark_fresh(client, *, age_seconds: float = 0) -> None:
    """Stamp the session as if a code was entered `age_seconds` ago."""
    import time

    from examens.views.fresh import FRESH_SESSION_KEY

    session = client.session
    session[FRESH_SESSION_KEY] = time.time() - age_seconds
    session.save()
    if age_seconds <= settings.OTP_FRESHNESS_SECONDS:
        fresh_factor(User.objects.get(pk=session[SESSION_KEY]))


def agency_staff(*roles: str):
    """A person of the agency (DUO) in `roles` (default: every role): allowed by every
    service that a role at the agency allows (examens.authz). Services that ask for a
    fresh code need `fresh_factor` too."""
    from examens.models import Role
    from tests.examens.factories import AgencyFactory

    user = UserFactory()
    for role in roles or Role.values:
        MembershipFactory(user=user, organisation=AgencyFactory(), role=role)
    return user


def fresh_factor(user):
    """Record that `user` has just entered a valid code: the `examens.otp.verified` event
    `twofactor.verify_second_factor` writes, which services check (examens.authz).

    Written directly rather than by entering a code, because a TOTP code is
    accepted once per 30 seconds and tests stamp the same person repeatedly."""
    with transaction.atomic():
        record_event(user, FACTOR_VERIFIED_ACTION, user, data={"kind": "totp"})
    return user


def var_snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under `root` with its size and modification time."""
    if not root.exists():
        return {}
    return {
        str(path.relative_to(root)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="session", autouse=True)
def nothing_written_under_var():
    """Fails the run when any test wrote, changed or removed a file under the real var/.

    The embedded product keeps its database, media, signing keys and secret there: a
    test that reached it would leave the user's own files changed (or 23 PDFs behind).
    """
    from django.conf import settings

    root = Path(settings.VAR_DIR)
    before = var_snapshot(root)
    yield
    after = var_snapshot(root)
    changed = sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )
    assert not changed, f"tests wrote under {root}: {changed[:10]}"


@pytest.fixture(autouse=True)
def temporary_files(settings, tmp_path):
    """Media, signing keys (VAR_DIR/signing_keys) and all else kept in var/ go to tmp_path."""
    settings.VAR_DIR = tmp_path / "var"
    settings.MEDIA_ROOT = tmp_path / "media"
    default = settings.STORAGES["default"]
    if default["BACKEND"] == "django.core.files.storage.FileSystemStorage":
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                **default,
                "OPTIONS": {**default.get("OPTIONS", {}), "location": settings.MEDIA_ROOT},
            },
        }


@pytest.fixture(autouse=True)
def figures_counted_on_every_read(settings):
    """The monitoring pages read stored figures (decision 0033); tests that change data
    and then read a page want the figures counted again at once. Tests of staleness set
    a max age of their own. The cache starts empty: a count asked for by an earlier test
    (`monitoring.figures.request_refresh` keeps its key for the max age) would otherwise
    stop this test's first page from counting, whatever the order of the tests."""
    settings.MONITORING_FIGURES_MAX_AGE = 0
    cache.clear()


@pytest.fixture(autouse=True)
def celery_in_process(request):
    """Run tasks in the test's own process, unless the test is marked `real_worker`.

    In services mode the broker is real; a test that asserts a task's effect
    (a mail in the outbox) needs it executed here. Tests that prove the worker
    path itself are marked `real_worker` and publish to Redis.
    """
    from config.celery import app

    if request.node.get_closest_marker("real_worker"):
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def english():
    """Messages in English for tests that match on them (the product defaults to Dutch)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def verified_client(client, db):
    """A client logged in as a planner of a municipality, second factor verified."""
    membership = MembershipFactory()
    login_verified(client, membership.user)
    client.user = membership.user
    client.membership = membership
    return client


@pytest.fixture
def staff_user(db):
    return UserFactory()
