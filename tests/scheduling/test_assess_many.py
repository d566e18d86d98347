"""`assess_many` (issue 12): for a page of candidates it says what `assess` says of each,
with the same rules, reading in a fixed number of statements; grading's checks read their
facts in bulk through the registry's `Fact` hook."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from examens.models import Decision
from grading.eligibility import FIRST_PASS, RELEASED_SAT_ATTEMPTS
from scheduling.eligibility import (
    Fact,
    assess,
    assess_many,
    register_check,
    registered_facts,
    unregister_check,
)
from scheduling.exceptions import BookingRefused
from scheduling.models import Booking, ExamSession
from tests.examens.factories import component, decide, route
from tests.grading.factories import sat_attempt
from tests.scheduling.factories import SessionFactory, candidate_for, version

pytestmark = pytest.mark.django_db


def outcome(assessment):
    """Everything an assessment says, comparable."""
    return (
        [(problem.code, str(problem.message)) for problem in assessment.problems],
        assessment.warnings,
        assessment.outside_term,
        assessment.plan_level,
        assessment.slot_minutes,
        assessment.needs,
    )


# What a candidate may carry; each one moves at least one rule.
TRAITS = st.fixed_dictionaries(
    {
        "route": st.sampled_from(["B1", "Z"]),
        "step_down": st.sampled_from(["", "live", "withdrawn"]),
        "exemption": st.sampled_from(["", "LEZ", "all", "KNM"]),
        "needs": st.sampled_from([(), ("separate_room",), ("extended_time",)]),
        "extra_minutes": st.sampled_from([0, 15, 30]),
        "open_booking": st.booleans(),
        # The sat LEZ B1 attempts: failed and released, passed and released, not released.
        "attempts": st.lists(st.sampled_from(["failed", "passed", "pending"]), max_size=2),
        "outside_term": st.booleans(),
    }
)
SESSIONS = st.fixed_dictionaries(
    {
        "version": st.sampled_from(["LEZ-B1-2026A", "LEZ-A2-2026A", "KNM-2026A"]),
        "status": st.sampled_from([ExamSession.Status.PUBLISHED, ExamSession.Status.CLOSED]),
        "accommodations": st.sampled_from([[], ["separate_room"], ["extended_time"]]),
        "max_extra_minutes": st.sampled_from([0, 20]),
        "full": st.booleans(),
    }
)


def make_session(traits) -> ExamSession:
    return SessionFactory(
        exam_version=version(traits["version"]),
        status=traits["status"],
        accommodations=traits["accommodations"],
        max_extra_minutes=traits["max_extra_minutes"],
        capacity=3,
        booked_count=3 if traits["full"] else 0,
    )


def make_candidate(session: ExamSession, traits):
    candidate = candidate_for(session, route=route(traits["route"]))
    if traits["outside_term"]:
        candidate.term_end = timezone.localdate() - datetime.timedelta(days=1)
        candidate.save(update_fields=["term_end"])
    if traits["step_down"]:
        step = decide(
            candidate,
            Decision.Kind.STEP_DOWN,
            component=component("LEZ"),
            level="A2",
            ground="effort",
        )
        if traits["step_down"] == "withdrawn":
            Decision.objects.filter(pk=step.pk).update(withdrawn_at=timezone.now())
    if traits["exemption"]:
        exempted = None if traits["exemption"] == "all" else component(traits["exemption"])
        decide(candidate, Decision.Kind.EXEMPTION, component=exempted, ground="medical")
    if traits["needs"] or traits["extra_minutes"]:
        decide(
            candidate,
            Decision.Kind.ACCOMMODATION,
            needs=list(traits["needs"]),
            extra_minutes=traits["extra_minutes"] or None,
        )
    for attempt in traits["attempts"]:
        sat_attempt(candidate, raw=40 if attempt == "passed" else 0, release=attempt != "pending")
    if traits["open_booking"]:
        other = SessionFactory(exam_version=session.exam_version, centre=session.centre)
        Booking.objects.create(
            session=other,
            candidate=candidate,
            component=other.component,
            level=other.level,
            attempt_number=1,
            payer=Booking.Payer.CANDIDATE,
            fee_cents=0,
            slot_minutes=other.duration_minutes,
            reference=f"EB-T{candidate.pk:07d}",
        )
    return candidate


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(session_traits=SESSIONS, candidates=st.lists(TRAITS, min_size=1, max_size=5))
def test_assess_many_says_for_every_candidate_what_assess_says(session_traits, candidates):
    session = make_session(session_traits)
    made = [make_candidate(session, traits) for traits in candidates]

    many = assess_many(made, session)

    assert list(many) == made
    for candidate in made:
        assert outcome(many[candidate]) == outcome(assess(candidate, session))


def test_the_varied_data_reaches_every_rule():
    """The property above is only worth its data: these candidates fail every rule."""
    session = make_session(
        {
            "version": "LEZ-A2-2026A",
            "status": ExamSession.Status.CLOSED,
            "accommodations": [],
            "max_extra_minutes": 0,
            "full": True,
        }
    )
    base = {
        "route": "B1",
        "step_down": "live",
        "exemption": "",
        "needs": (),
        "extra_minutes": 0,
        "open_booking": False,
        "attempts": [],
        "outside_term": False,
    }
    variants = [
        {"route": "Z", "step_down": ""},
        {"step_down": "withdrawn"},
        {"exemption": "all"},
        {"needs": ("separate_room",)},
        {"extra_minutes": 30},
        {"open_booking": True},
        {"attempts": ["passed"]},
        {"attempts": ["pending"]},
    ]
    made = [make_candidate(session, {**base, **variant}) for variant in variants]

    codes = {p.code for a in assess_many(made, session).values() for p in a.problems}

    assert codes >= {
        "wrong_level",
        "exempted",
        "accommodation_not_served",
        "extra_time_not_available",
        "already_booked",
        "already_passed",
        "result_pending",
        "session_not_open",
        "session_full",
    }


def candidates_with_history(session: ExamSession, count: int):
    """`count` candidates that make every bulk read fetch rows: decisions, bookings,
    released and pending results."""
    made = []
    for n in range(count):
        candidate = candidate_for(session)
        decide(candidate, Decision.Kind.ACCOMMODATION, needs=["extended_time"], extra_minutes=10)
        sat_attempt(candidate, raw=40 if n % 3 == 0 else 0, release=n % 2 == 0)
        made.append(candidate)
    return made


def statements(run) -> int:
    with CaptureQueriesContext(connection) as queries:
        run()
    return len(queries.captured_queries)


def test_assess_many_reads_in_a_fixed_number_of_statements(django_assert_num_queries):
    session = SessionFactory()
    two = candidates_with_history(session, 2)
    twenty = candidates_with_history(session, 20)

    assert statements(lambda: assess_many(two, session)) == 5
    with django_assert_num_queries(5):
        many = assess_many(twenty, session)
    assert {p.code for a in many.values() for p in a.problems} >= {
        "already_passed",
        "result_pending",
    }
    assert statements(lambda: assess_many([], session)) == 0


def test_the_grading_checks_register_their_facts():
    assert FIRST_PASS in registered_facts()
    assert RELEASED_SAT_ATTEMPTS in registered_facts()


def test_a_registered_checks_fact_is_read_once_for_all_candidates():
    session = SessionFactory()
    made = [candidate_for(session) for _ in range(4)]
    calls = {"one": 0, "many": 0}

    def one(ctx):
        calls["one"] += 1
        return ctx.candidate.pk == made[1].pk

    def many(contexts):
        calls["many"] += 1
        return [ctx.candidate.pk == made[1].pk for ctx in contexts]

    flagged = Fact("test.flagged", one=one, many=many)

    def refuse_flagged(ctx):
        if ctx.fact(flagged):
            return BookingRefused("flagged", code="flagged", field="candidate")
        return None

    register_check(refuse_flagged, facts=[flagged])
    try:
        many_outcome = assess_many(made, session)
        assert calls == {"one": 0, "many": 1}
        single = assess(made[1], session)
        assert calls == {"one": 1, "many": 1}
    finally:
        unregister_check(refuse_flagged)

    assert [p.code for p in many_outcome[made[1]].problems] == ["flagged"]
    assert [p.code for p in single.problems] == ["flagged"]
    assert all(many_outcome[c].ok for c in made if c != made[1])
    assert flagged not in registered_facts()
