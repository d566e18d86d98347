"""Results: release, versioned corrections, attendance outcomes, sign-offs, overdue flags."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from examens.audit import SYSTEM
from examens.models import AuditEvent, Decision
from grading.exceptions import EvidenceMissing, GradingError, NotQualified, ResultStateError
from grading.models import OverdueFlag, Result
from grading.selectors import result_history
from grading.services import (
    correct_result,
    flag_overdue_results,
    record_attendance_outcome,
    release_result,
    release_session_results,
    sign_off_component,
)
from grading.services.results import create_scored_draft
from grading.signals import result_corrected, result_released
from scheduling.models import Booking
from tests.conftest import agency_staff, fresh_factor
from tests.examens.factories import AgencyFactory, CandidateFactory, component
from tests.grading.factories import BookingFactory, SessionFactory, examiner, rated_booking

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor():
    return fresh_factor(agency_staff())


def draft(booking=None, raw=30, actor=None):
    booking = booking or BookingFactory()
    with transaction.atomic():
        return create_scored_draft(booking, actor=actor or SYSTEM, raw=raw, source="test")


class Receiver:
    def __init__(self, signal):
        self.calls = []
        signal.connect(self, weak=False)
        self.signal = signal

    def __call__(self, sender, **kwargs):
        self.calls.append(kwargs)


@pytest.fixture
def released_calls():
    receiver = Receiver(result_released)
    yield receiver.calls
    result_released.disconnect(receiver)


@pytest.fixture
def corrected_calls():
    receiver = Receiver(result_corrected)
    yield receiver.calls
    result_corrected.disconnect(receiver)


def test_release_result_releases_and_signals_on_commit(
    actor, released_calls, django_capture_on_commit_callbacks
):
    result = draft()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        release_result(result, actor=actor)
    assert released_calls == []  # nothing before commit
    for callback in callbacks:
        callback()

    result.refresh_from_db()
    assert result.status == Result.Status.RELEASED
    assert result.released_by == actor
    assert released_calls == [
        {"result_id": result.pk, "candidate_id": result.candidate_id, "signal": result_released}
    ]
    assert AuditEvent.objects.filter(
        action="grading.result.released", object_id=str(result.pk)
    ).exists()


def test_release_result_is_idempotent(actor, released_calls, django_capture_on_commit_callbacks):
    result = draft()
    with django_capture_on_commit_callbacks(execute=True):
        release_result(result, actor=actor)
    with django_capture_on_commit_callbacks(execute=True):
        release_result(result, actor=actor)

    assert len(released_calls) == 1
    assert AuditEvent.objects.filter(action="grading.result.released").count() == 1


def test_release_session_results_releases_every_draft_of_the_session(actor):
    session = SessionFactory()
    results = [draft(BookingFactory(session=session)) for _ in range(3)]
    other = draft()

    released = release_session_results(session, actor=actor)

    assert {r.pk for r in released} == {r.pk for r in results}
    other.refresh_from_db()
    assert other.status == Result.Status.DRAFT


def test_scores_follow_the_versions_table(actor):
    booking = BookingFactory()  # LEZ-B1-2026A: max 40, table with cut-off 26 on 500
    assert draft(booking, raw=26).outcome == Result.Outcome.PASSED
    assert draft(BookingFactory(), raw=25).outcome == Result.Outcome.FAILED


def test_correction_creates_a_new_version_and_keeps_the_old(
    actor, corrected_calls, django_capture_on_commit_callbacks
):
    result = draft(raw=30)
    release_result(result, actor=actor)

    with django_capture_on_commit_callbacks(execute=True):
        corrected = correct_result(result, actor=actor, reason="Key error on item 12", raw_score=20)

    result.refresh_from_db()
    assert result.is_current is False
    assert result.status == Result.Status.SUPERSEDED
    assert result.raw_score == 30  # never changed in place
    assert corrected.version == 2
    assert corrected.corrects == result
    assert corrected.status == Result.Status.RELEASED
    assert corrected.outcome == Result.Outcome.FAILED
    assert corrected.correction_reason == "Key error on item 12"
    assert [r.pk for r in result_history(corrected)] == [corrected.pk, result.pk]
    assert corrected_calls == [
        {
            "result_id": corrected.pk,
            "previous_id": result.pk,
            "candidate_id": result.candidate_id,
            "signal": result_corrected,
        }
    ]
    event = AuditEvent.objects.get(action="grading.result.corrected")
    assert event.data["before"]["raw_score"] == 30
    assert event.data["after"]["raw_score"] == 20


def test_a_correction_needs_a_reason(actor):
    result = draft()
    release_result(result, actor=actor)

    with pytest.raises(GradingError) as error:
        correct_result(result, actor=actor, reason="  ", raw_score=10)

    assert error.value.field == "reason"


def test_a_superseded_version_cannot_be_corrected_again(actor):
    result = draft(raw=30)
    release_result(result, actor=actor)
    correct_result(result, actor=actor, reason="first", raw_score=20)

    with pytest.raises(ResultStateError):
        correct_result(result, actor=actor, reason="second", raw_score=10)


def test_a_draft_cannot_be_corrected(actor):
    with pytest.raises(ResultStateError):
        correct_result(draft(), actor=actor, reason="typo", raw_score=10)


def test_a_correction_that_changes_nothing_is_refused(actor):
    result = draft(raw=30)
    release_result(result, actor=actor)

    with pytest.raises(GradingError) as error:
        correct_result(result, actor=actor, reason="same", raw_score=30)

    assert error.value.code == "correction_changes_nothing"


def test_a_correction_above_the_maximum_is_refused_and_writes_nothing(actor):
    result = draft(raw=30)
    release_result(result, actor=actor)

    with pytest.raises(GradingError) as error:
        correct_result(result, actor=actor, reason="x", raw_score=41)

    assert error.value.code == "score_above_maximum"
    result.refresh_from_db()
    assert result.is_current is True
    assert Result.objects.count() == 1


def test_a_superseded_result_cannot_be_released(actor):
    result = draft(raw=30)
    release_result(result, actor=actor)
    correct_result(result, actor=actor, reason="x", raw_score=10)

    result.refresh_from_db()
    with pytest.raises(ResultStateError):
        release_result(result, actor=actor)


def test_no_show_yields_a_no_show_outcome_that_counts_as_attempt(actor):
    booking = BookingFactory(status=Booking.Status.NO_SHOW)

    result = record_attendance_outcome(booking, actor=actor)
    again = record_attendance_outcome(booking, actor=actor)

    assert result == again
    assert result.outcome == Result.Outcome.NO_SHOW
    event = AuditEvent.objects.get(action="grading.result.attendance_recorded")
    assert event.data["counts_as_attempt"] is True


def test_rejection_at_check_in_yields_an_outcome_that_is_no_attempt(actor):
    booking = BookingFactory(status=Booking.Status.REJECTED, counts_as_attempt=False)

    result = record_attendance_outcome(booking, actor=actor)

    assert result.outcome == Result.Outcome.REJECTED
    assert (
        AuditEvent.objects.get(action="grading.result.attendance_recorded").data[
            "counts_as_attempt"
        ]
        is False
    )


def test_a_sat_attempt_has_no_attendance_outcome(actor):
    with pytest.raises(ResultStateError):
        record_attendance_outcome(BookingFactory(), actor=actor)


def test_a_no_show_can_be_corrected_into_a_score(actor):
    booking = BookingFactory(status=Booking.Status.NO_SHOW)
    result = record_attendance_outcome(booking, actor=actor)
    release_result(result, actor=actor)

    corrected = correct_result(result, actor=actor, reason="was present", raw_score=30)

    assert corrected.outcome == Result.Outcome.PASSED


# --- late results --------------------------------------------------------------------------


def test_late_release_records_a_term_extension_once(actor):
    AgencyFactory()
    starts = timezone.now() - datetime.timedelta(days=60)  # B1: due after 42 days
    booking = BookingFactory(session=SessionFactory(starts_at=starts))
    result = draft(booking)

    release_result(result, actor=actor)

    decision = Decision.objects.get(candidate=booking.candidate, ground="late_result")
    due = timezone.localdate(starts) + datetime.timedelta(days=42)
    assert decision.extension_days == (timezone.localdate() - due).days
    booking.candidate.refresh_from_db()
    corrected = correct_result(result, actor=actor, reason="x", raw_score=1)
    assert corrected.pk
    assert Decision.objects.filter(ground="late_result").count() == 1


def test_release_in_time_records_no_extension(actor):
    release_result(draft(), actor=actor)

    assert not Decision.objects.filter(ground="late_result").exists()


def test_late_release_for_a_booking_close_to_term_end_records_no_extension(actor):
    today = timezone.localdate()
    candidate = CandidateFactory(
        term_start=today - datetime.timedelta(days=3 * 365),
        term_end=today + datetime.timedelta(days=10),
    )
    starts = timezone.now() - datetime.timedelta(days=60)
    booking = BookingFactory(candidate=candidate, session=SessionFactory(starts_at=starts))

    release_result(draft(booking), actor=actor)

    assert not Decision.objects.filter(ground="late_result").exists()


# --- overdue flags ---------------------------------------------------------------------------


def test_overdue_results_are_flagged_once_and_resolved_on_release(actor):
    starts = timezone.now() - datetime.timedelta(days=50)
    overdue = BookingFactory(session=SessionFactory(starts_at=starts))  # B1: due after 42
    BookingFactory()  # sat three days ago: not due yet

    assert flag_overdue_results(actor=SYSTEM) == 1
    assert flag_overdue_results(actor=SYSTEM) == 0  # safe to run twice

    flag = OverdueFlag.objects.get()
    assert flag.booking == overdue
    release_result(draft(overdue), actor=actor)
    flag.refresh_from_db()
    assert flag.resolved_at is not None


def test_released_results_are_not_flagged(actor):
    starts = timezone.now() - datetime.timedelta(days=50)
    booking = BookingFactory(session=SessionFactory(starts_at=starts))
    release_result(draft(booking), actor=actor)

    assert flag_overdue_results(actor=SYSTEM) == 0


def test_the_overdue_task_runs_twice_safely():
    from grading.tasks import flag_overdue_results_task

    BookingFactory(session=SessionFactory(starts_at=timezone.now() - datetime.timedelta(days=50)))

    assert flag_overdue_results_task.delay().get() == 1
    assert flag_overdue_results_task.delay().get() == 0


# --- sign-off ---------------------------------------------------------------------------------


def map_evidence(hours=40):
    today = timezone.localdate()
    return {
        "hours": hours,
        "started_on": (today - datetime.timedelta(days=90)).isoformat(),
        "ended_on": today.isoformat(),
    }


def test_sign_off_by_a_qualified_municipal_examiner_is_released(
    actor, released_calls, django_capture_on_commit_callbacks
):
    candidate = CandidateFactory()
    user = fresh_factor(examiner(candidate.municipality, components=("MAP",)))

    with django_capture_on_commit_callbacks(execute=True):
        result = sign_off_component(
            candidate,
            actor=user,
            component=component("MAP"),
            completed=True,
            evidence=map_evidence(),
        )

    assert result.outcome == Result.Outcome.COMPLETED
    assert result.status == Result.Status.RELEASED
    assert result.booking is None
    assert result.evidence["hours"] == 40
    assert len(released_calls) == 1


def test_map_sign_off_needs_forty_practical_hours():
    candidate = CandidateFactory()
    user = fresh_factor(examiner(candidate.municipality, components=("MAP",)))

    with pytest.raises(EvidenceMissing) as error:
        sign_off_component(
            candidate,
            actor=user,
            component=component("MAP"),
            completed=True,
            evidence=map_evidence(39),
        )

    assert error.value.field == "hours"
    assert not Result.objects.exists()


def test_pvt_sign_off_needs_the_declaration_reference():
    candidate = CandidateFactory()
    user = fresh_factor(examiner(candidate.municipality, components=("PVT",)))
    evidence = map_evidence(0)

    with pytest.raises(EvidenceMissing) as error:
        sign_off_component(
            candidate, actor=user, component=component("PVT"), completed=True, evidence=evidence
        )
    assert error.value.field == "declaration_reference"

    result = sign_off_component(
        candidate,
        actor=user,
        component=component("PVT"),
        completed=True,
        evidence={**evidence, "declaration_reference": "PV-2026-0042"},
    )
    assert result.evidence["declaration_reference"] == "PV-2026-0042"


def test_not_completed_sign_off_needs_no_evidence():
    candidate = CandidateFactory()
    user = fresh_factor(examiner(candidate.municipality, components=("MAP",)))

    result = sign_off_component(
        candidate, actor=user, component=component("MAP"), completed=False, evidence={}
    )

    assert result.outcome == Result.Outcome.NOT_COMPLETED


def test_sign_off_by_an_examiner_of_another_municipality_is_refused():
    candidate = CandidateFactory()
    user = fresh_factor(examiner(CandidateFactory().municipality, components=("MAP",)))

    with pytest.raises(NotQualified):
        sign_off_component(
            candidate,
            actor=user,
            component=component("MAP"),
            completed=True,
            evidence=map_evidence(),
        )


def test_a_scored_component_cannot_be_signed_off():
    candidate = CandidateFactory()
    user = fresh_factor(examiner(candidate.municipality, components=("LEZ",)))

    with pytest.raises(GradingError) as error:
        sign_off_component(
            candidate, actor=user, component=component("LEZ"), completed=True, evidence={}
        )

    assert error.value.code == "not_a_sign_off_component"


def test_a_completed_sign_off_is_not_signed_off_twice_but_corrected():
    candidate = CandidateFactory()
    user = fresh_factor(examiner(candidate.municipality, components=("MAP",)))
    result = sign_off_component(
        candidate, actor=user, component=component("MAP"), completed=True, evidence=map_evidence()
    )

    with pytest.raises(ResultStateError):
        sign_off_component(
            candidate,
            actor=user,
            component=component("MAP"),
            completed=True,
            evidence=map_evidence(),
        )

    corrected = correct_result(
        result, actor=user, reason="hours miscounted", outcome="not_completed"
    )
    assert corrected.version == 2
    assert [r.pk for r in result_history(result)] == [corrected.pk, result.pk]


def test_end_date_in_the_future_is_refused():
    candidate = CandidateFactory()
    user = fresh_factor(examiner(candidate.municipality, components=("MAP",)))
    evidence = map_evidence()
    evidence["ended_on"] = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()

    with pytest.raises(EvidenceMissing) as error:
        sign_off_component(
            candidate, actor=user, component=component("MAP"), completed=True, evidence=evidence
        )

    assert error.value.field == "ended_on"


def test_rated_booking_helper_makes_a_rated_attempt():
    assert rated_booking().component.code == "SPR"


def test_released_result_is_mailed_to_the_candidate_without_bsn_or_raw_score(
    actor, django_capture_on_commit_callbacks
):
    from django.core import mail

    booking = BookingFactory()
    # A name without digits: a factory sequence number must not look like the raw score.
    booking.candidate.given_names, booking.candidate.family_name = "Amira", "Haddad"
    booking.candidate.email = "amira@example.nl"
    booking.candidate.save(update_fields=["email", "given_names", "family_name"])
    with transaction.atomic():
        draft = create_scored_draft(booking, actor=actor, raw=33, source="t")
    with django_capture_on_commit_callbacks(execute=True):
        release_result(draft, actor=actor)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["amira@example.nl"]
    draft.refresh_from_db()
    assert str(draft.scale_score) in message.body
    assert "Uitkomst: Geslaagd" in message.body or "Uitkomst: Gezakt" in message.body
    assert "Outcome: " in message.body  # the English part follows the Dutch one
    assert booking.candidate.bsn not in message.body
    assert "33" not in message.body.replace(str(draft.scale_score), "")


def test_corrected_result_mail_says_it_replaces_the_earlier_one(
    actor, django_capture_on_commit_callbacks
):
    from django.core import mail

    booking = BookingFactory()
    booking.candidate.email = "amira@example.nl"
    booking.candidate.save(update_fields=["email"])
    with transaction.atomic():
        draft = create_scored_draft(booking, actor=actor, raw=33, source="t")
    release_result(draft, actor=actor)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        correct_result(draft, actor=actor, reason="Wrong answer key", raw_score=20)

    assert len(mail.outbox) == 1
    assert "Wrong answer key" in mail.outbox[0].body
    assert "gecorrigeerd" in mail.outbox[0].subject
