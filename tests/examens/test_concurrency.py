"""Registry services under real concurrency (PostgreSQL, one connection per thread).

Lock first, then read: each service locks the rows it changes (the candidate
before its decisions), re-reads them and writes once.
"""

import datetime
import threading
import time

import pytest
from django.db import connection, transaction

from examens.models import AuditEvent, Candidate, Membership, Role
from examens.services import record_decision, revoke_membership, withdraw_decision
from tests.conftest import agency_staff, race, require_service
from tests.examens.factories import AgencyFactory, CandidateFactory, MembershipFactory

pytestmark = pytest.mark.services


def _extend(candidate, *, actor, organisation, days):
    return record_decision(
        candidate,
        actor=actor,
        organisation=organisation,
        kind="term_extension",
        extension_days=days,
        reason="Illness",
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_withdrawing_an_extension_while_another_is_recorded_loses_neither():
    require_service("PostgreSQL", connection.vendor == "postgresql")
    actor, agency = agency_staff(), AgencyFactory()
    candidate = CandidateFactory()
    base = candidate.term_end
    old = _extend(candidate, actor=actor, organisation=agency, days=30)
    recorded = threading.Event()

    def record_and_hold():
        # The new extension holds the candidate's lock until this block commits.
        with transaction.atomic():
            _extend(
                Candidate.objects.get(pk=candidate.pk), actor=actor, organisation=agency, days=60
            )
            recorded.set()
            time.sleep(0.5)  # the withdrawal runs meanwhile

    def withdraw_old():
        assert recorded.wait(timeout=10)
        return withdraw_decision(old, actor=actor, reason="Entered in error")

    results = race([record_and_hold, withdraw_old])

    assert not any(isinstance(r, Exception) for r in results), results
    candidate.refresh_from_db()
    assert candidate.term_end == base + datetime.timedelta(days=60)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_simultaneous_revocations_of_one_membership_record_one_event():
    require_service("PostgreSQL", connection.vendor == "postgresql")
    membership = MembershipFactory()
    actor = MembershipFactory(organisation=membership.organisation, role=Role.ADMIN).user

    results = race(
        [
            lambda: revoke_membership(Membership.objects.get(pk=membership.pk), actor=actor)
            for _ in range(2)
        ]
    )

    assert results == [None, None]
    assert not Membership.objects.filter(pk=membership.pk).exists()
    events = AuditEvent.objects.filter(action="examens.membership.revoked")
    assert events.count() == 1
