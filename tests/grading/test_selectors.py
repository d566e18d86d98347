"""candidate_progress: the one place that decides route completeness; the booking rule."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from examens.audit import SYSTEM
from examens.models import Decision
from grading.eligibility import refuse_when_passed
from grading.selectors import Progress, candidate_progress, session_results
from grading.services import correct_result, release_result, sign_off_component
from grading.services.results import create_scored_draft
from scheduling.eligibility import build_context
from scheduling.models import Booking
from tests.conftest import agency_staff, fresh_factor
from tests.examens.factories import AgencyFactory, CandidateFactory, UserFactory, component, route
from tests.grading.factories import BookingFactory, SessionFactory, examiner, version

pytestmark = pytest.mark.django_db

B1_ROUTE = ["KNM", "LEZ", "LUI", "MAP", "PVT", "SCH", "SPR"]
B1_VERSIONS = {
    "LEZ": "LEZ-B1-2026A",
    "LUI": "LUI-B1-2026A",
    "SCH": "SCH-B1-2026A",
    "SPR": "SPR-B1-2026A",
    "KNM": "KNM-2026A",
}


def pass_component(candidate, code, *, version_code=None, raw=None, release=True):
    exam_version = version(version_code or B1_VERSIONS[code])
    booking = BookingFactory(candidate=candidate, session=SessionFactory(exam_version=exam_version))
    with transaction.atomic():
        result = create_scored_draft(
            booking,
            actor=SYSTEM,
            raw=exam_version.max_raw_score if raw is None else raw,
            source="t",
        )
    if release:
        result = release_result(result, actor=fresh_factor(agency_staff()))
    return result


def sign_off(candidate, code):
    user = fresh_factor(examiner(candidate.municipality, components=(code,)))
    today = timezone.localdate()
    return sign_off_component(
        candidate,
        actor=user,
        component=component(code),
        completed=True,
        evidence={
            "hours": 40,
            "started_on": (today - datetime.timedelta(days=60)).isoformat(),
            "ended_on": today.isoformat(),
            "declaration_reference": "PV-1",
        },
    )


def decide(candidate, kind, code=None, **kwargs):
    return Decision.objects.create(
        candidate=candidate,
        kind=kind,
        component=component(code) if code else None,
        decided_by=UserFactory(),
        decided_for=AgencyFactory(),
        reason="test",
        **kwargs,
    )


def statuses(progress: Progress) -> dict[str, str]:
    return {item.component_code: item.status for item in progress.items}


def test_a_new_candidate_has_every_requirement_outstanding():
    candidate = CandidateFactory()

    progress = candidate_progress(candidate)

    assert progress.complete is False
    assert progress.term_end == candidate.term_end
    assert sorted(statuses(progress)) == B1_ROUTE
    assert set(statuses(progress).values()) == {"outstanding"}


def test_the_route_is_complete_when_every_requirement_is_passed():
    candidate = CandidateFactory()
    for code in ("LEZ", "LUI", "SCH", "SPR", "KNM"):
        pass_component(candidate, code)
    sign_off(candidate, "MAP")
    sign_off(candidate, "PVT")

    progress = candidate_progress(candidate)

    assert progress.complete is True
    lez = next(item for item in progress.items if item.component_code == "LEZ")
    assert lez.status == "passed"
    assert lez.level == "B1"
    assert lez.attempts_used == 1
    assert lez.scale_score == 900
    assert lez.passed_on is not None
    assert lez.component_name_en == "Reading"


def test_a_draft_result_does_not_count():
    candidate = CandidateFactory()
    pass_component(candidate, "LEZ", release=False)

    assert statuses(candidate_progress(candidate))["LEZ"] == "outstanding"


def test_a_fail_leaves_the_requirement_outstanding_with_the_attempt_counted():
    candidate = CandidateFactory()
    result = pass_component(candidate, "LEZ", raw=0)

    item = next(i for i in candidate_progress(candidate).items if i.component_code == "LEZ")

    assert item.status == "outstanding"
    assert item.attempts_used == 1
    assert item.result_id == result.pk
    assert item.passed_on is None


def test_a_pass_corrected_into_a_fail_no_longer_counts():
    candidate = CandidateFactory()
    result = pass_component(candidate, "LEZ")
    correct_result(result, actor=fresh_factor(agency_staff()), reason="wrong key", raw_score=0)

    assert statuses(candidate_progress(candidate))["LEZ"] == "outstanding"


def test_an_exemption_is_shown_as_exempted_never_passed():
    candidate = CandidateFactory()
    decide(candidate, Decision.Kind.EXEMPTION, "KNM", ground="medical")

    assert statuses(candidate_progress(candidate))["KNM"] == "exempted"


def test_a_whole_exemption_completes_the_route():
    candidate = CandidateFactory()
    decide(candidate, Decision.Kind.EXEMPTION, ground="medical")

    progress = candidate_progress(candidate)

    assert progress.complete is True
    assert set(statuses(progress).values()) == {"exempted"}


def test_a_withdrawn_exemption_no_longer_counts():
    candidate = CandidateFactory()
    decide(candidate, Decision.Kind.EXEMPTION, "KNM", ground="medical", withdrawn_at=timezone.now())

    assert statuses(candidate_progress(candidate))["KNM"] == "outstanding"


def test_after_a_step_down_a_pass_at_a2_counts_as_stepped_down_passed():
    candidate = CandidateFactory()
    decide(candidate, Decision.Kind.STEP_DOWN, "SPR", level="A2")
    pass_component(candidate, "SPR", version_code="SPR-A2-2026A")

    item = next(i for i in candidate_progress(candidate).items if i.component_code == "SPR")

    assert item.status == "stepped_down_passed"
    assert item.level == "A2"


def test_without_a_step_down_a_pass_at_a2_does_not_count_for_b1():
    candidate = CandidateFactory()
    pass_component(candidate, "SPR", version_code="SPR-A2-2026A")

    assert statuses(candidate_progress(candidate))["SPR"] == "outstanding"


def test_after_a_step_down_a_pass_at_b1_is_still_passed():
    candidate = CandidateFactory()
    decide(candidate, Decision.Kind.STEP_DOWN, "SPR", level="A2")
    pass_component(candidate, "SPR")

    assert statuses(candidate_progress(candidate))["SPR"] == "passed"


def test_optional_requirements_do_not_block_completeness():
    candidate = CandidateFactory(route=route("Z"))
    for code in ("PVT", "MAP", "EIND"):
        sign_off(candidate, code)

    progress = candidate_progress(candidate)

    assert progress.complete is True
    assert {i.component_code for i in progress.items if i.optional} == {"LEZ", "LUI", "SCH", "SPR"}


def test_no_shows_count_as_attempts_and_rejections_do_not():
    candidate = CandidateFactory()
    session = SessionFactory()
    BookingFactory(candidate=candidate, session=session, status=Booking.Status.NO_SHOW)
    BookingFactory(
        candidate=candidate,
        session=SessionFactory(),
        status=Booking.Status.REJECTED,
        counts_as_attempt=False,
    )

    item = next(i for i in candidate_progress(candidate).items if i.component_code == "LEZ")

    assert item.attempts_used == 1


def test_booking_a_passed_component_is_refused_with_already_passed():
    candidate = CandidateFactory()
    pass_component(candidate, "LEZ")
    session = SessionFactory(starts_at=timezone.now() + datetime.timedelta(days=30))

    refusal = refuse_when_passed(build_context(candidate, session))

    assert refusal is not None
    assert refusal.code == "already_passed"


def test_booking_a_failed_component_is_allowed():
    candidate = CandidateFactory()
    pass_component(candidate, "LEZ", raw=0)
    session = SessionFactory(starts_at=timezone.now() + datetime.timedelta(days=30))

    assert refuse_when_passed(build_context(candidate, session)) is None


def test_the_check_is_registered_with_scheduling():
    from scheduling import eligibility

    assert refuse_when_passed in eligibility._EXTRA_CHECKS


def test_session_results_show_what_is_missing():
    session = SessionFactory()
    done = BookingFactory(session=session)
    BookingFactory(session=session)
    BookingFactory(session=session, status=Booking.Status.BOOKED)
    with transaction.atomic():
        create_scored_draft(done, actor=SYSTEM, raw=30, source="t")

    missing = sorted(row["missing"] for row in session_results(session))

    assert missing == ["", "attendance", "score"]
