"""Withdrawing exam versions under real concurrency (PostgreSQL, one connection per thread).

A replacement version is locked and re-checked with the withdrawn one: no
future session ends up on a version withdrawn at the same time.
"""

import threading
import time

import pytest
from django.db import connection, transaction

from examens.models import ExamVersion
from scheduling.exceptions import SessionError
from scheduling.models import ExamSession
from scheduling.selectors import LIVE_STATUSES
from scheduling.services import withdraw_exam_version
from tests.conftest import agency_staff, race, require_service
from tests.scheduling.factories import SessionFactory, version

pytestmark = pytest.mark.services


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_replacement_withdrawn_at_the_same_time_never_serves_a_session():
    require_service("PostgreSQL", connection.vendor == "postgresql")
    actor = agency_staff()
    leaked = version()
    replacement = ExamVersion.objects.create(
        component=leaked.component, level="B1", code="LEZ-B1-2026B", max_raw_score=40, cutoff_raw=26
    )
    session = SessionFactory(exam_version=leaked)
    switching = threading.Event()

    def withdraw_with_replacement():
        with transaction.atomic():  # holds its locks while the other withdrawal runs
            withdraw_exam_version(leaked, actor=actor, reason="leaked", replacement=replacement)
            switching.set()
            time.sleep(0.5)

    def withdraw_the_replacement():
        assert switching.wait(timeout=10)
        return withdraw_exam_version(replacement, actor=actor, reason="leaked too")

    results = race([withdraw_with_replacement, withdraw_the_replacement])

    assert not any(isinstance(r, Exception) for r in results), results
    session = ExamSession.objects.get(pk=session.pk)
    serving = ExamSession.objects.filter(
        status__in=LIVE_STATUSES, exam_version__status=ExamVersion.Status.WITHDRAWN
    )
    assert list(serving) == []
    assert session.status == "cancelled"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_replacement_withdrawn_first_is_refused():
    require_service("PostgreSQL", connection.vendor == "postgresql")
    actor = agency_staff()
    leaked = version()
    replacement = ExamVersion.objects.create(
        component=leaked.component, level="B1", code="LEZ-B1-2026B", max_raw_score=40, cutoff_raw=26
    )
    SessionFactory(exam_version=leaked)
    stale = ExamVersion.objects.get(pk=replacement.pk)  # loaded while still active
    withdraw_exam_version(replacement, actor=actor, reason="leaked too")

    with pytest.raises(SessionError) as info:
        withdraw_exam_version(leaked, actor=actor, reason="leaked", replacement=stale)

    assert info.value.code == "bad_replacement"
    assert ExamVersion.objects.get(pk=leaked.pk).status == "active"
