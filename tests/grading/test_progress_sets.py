"""progress_sets: grading's progress rule in bulk equals candidate_progress for everyone."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from examens.models import Candidate, Component, Decision, Organisation, Route
from grading.models import Result
from grading.progress_sets import annotate_progress, outstanding_requirements, progress_rows
from grading.selectors import STATUS_OUTSTANDING, candidate_progress
from scheduling.models import Booking
from tests.examens.factories import CandidateFactory, OrganisationFactory, UserFactory
from tests.grading.factories import BookingFactory, SessionFactory

pytestmark = pytest.mark.django_db

PROPERTY = settings(
    derandomize=True,
    deadline=None,
    max_examples=60,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

COMPONENTS = ["LEZ", "LUI", "SCH", "SPR", "KNM", "PVT", "MAP", "ONA"]
LEVELS = ["", "A1", "A2", "B1", "B2"]
# Decisions and results fall mostly on a few components, so that competing step-downs,
# exemptions and results meet on the same requirement often.
FOCUS = ["LEZ", "SCH", "PVT"]

decision = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["step_down", "exemption", "step_down", "exemption_whole"]),
        "component": st.sampled_from(FOCUS),
        "level": st.sampled_from(["A1", "A2", "B1"]),
        "withdrawn": st.booleans(),
        "day": st.integers(0, 3),
    }
)
result = st.fixed_dictionaries(
    {
        "component": st.one_of(st.sampled_from(FOCUS), st.sampled_from(COMPONENTS)),
        "level": st.sampled_from(LEVELS),
        "status": st.sampled_from(list(Result.Status.values)),
        "outcome": st.sampled_from(["passed", "failed", "completed", "no_show"]),
        "is_current": st.booleans(),
        "day": st.integers(0, 5),
        "with_booking": st.booleans(),
    }
)
booking = st.fixed_dictionaries(
    {
        "component": st.sampled_from(COMPONENTS),
        "status": st.sampled_from(["no_show", "rejected", "cancelled", "checked_in"]),
        "counts": st.booleans(),
    }
)
candidate = st.fixed_dictionaries(
    {
        "route": st.integers(0, 50),
        "decisions": st.lists(decision, max_size=4),
        "results": st.lists(result, max_size=5),
        "bookings": st.lists(booking, max_size=2),
    }
)


def build(spec, *, municipality, user, routes):
    made = CandidateFactory(municipality=municipality, route=routes[spec["route"] % len(routes)])
    components = {c.code: c for c in Component.objects.filter(code__in=COMPONENTS)}
    base = datetime.date(2025, 1, 1)
    for d in spec["decisions"]:
        kind = Decision.Kind.STEP_DOWN if d["kind"] == "step_down" else Decision.Kind.EXEMPTION
        Decision.objects.create(
            candidate=made,
            kind=kind,
            ground="" if kind == Decision.Kind.STEP_DOWN else Decision.Ground.MEDICAL,
            component=None if d["kind"] == "exemption_whole" else components[d["component"]],
            level=d["level"] if kind == Decision.Kind.STEP_DOWN else "",
            decided_on=base + datetime.timedelta(days=d["day"]),
            decided_by=user,
            decided_for=municipality,
            reason="t",
            withdrawn_at=datetime.datetime(2025, 6, 1, tzinfo=datetime.UTC)
            if d["withdrawn"]
            else None,
        )
    open_components = set()
    for b in spec["bookings"]:
        status = b["status"]
        if status == "checked_in" and b["component"] in open_components:
            status = "no_show"
        if status == "checked_in":
            open_components.add(b["component"])
        BookingFactory(
            candidate=made,
            component=components[b["component"]],
            status=status,
            counts_as_attempt=b["counts"],
        )
    for r in spec["results"]:
        attached = None
        if r["with_booking"]:
            attached = BookingFactory(
                candidate=made,
                component=components[r["component"]],
                status=Booking.Status.NO_SHOW,
                session=SessionFactory(),
            )
        Result.objects.create(
            candidate=made,
            component=components[r["component"]],
            level=r["level"],
            booking=attached,
            is_current=r["is_current"],
            status=r["status"],
            outcome=r["outcome"],
            sat_on=base + datetime.timedelta(days=r["day"]),
        )
    return made


def build_all(specs) -> tuple[Organisation, list[Candidate]]:
    """A new municipality and the candidates of `specs` in it, decided by one user."""
    municipality = OrganisationFactory()
    user = UserFactory()
    routes = list(Route.objects.order_by("pk"))
    return municipality, [
        build(spec, municipality=municipality, user=user, routes=routes) for spec in specs
    ]


@PROPERTY
@given(specs=st.lists(candidate, min_size=1, max_size=3))
def test_bulk_progress_equals_candidate_progress_for_every_candidate(specs):
    with transaction.atomic():
        municipality, made = build_all(specs)
        candidates = Candidate.objects.filter(municipality=municipality)

        rows = list(progress_rows(candidates))
        annotated = {c.pk: c for c in annotate_progress(candidates)}
        outstanding = {
            (r["candidate_id"], r["component_code"], r["level"], r["attempts_used"])
            for r in outstanding_requirements(candidates)
        }
        for person in made:
            progress = candidate_progress(person)
            expected = sorted(
                (i.component_code, i.level, i.status, i.attempts_used, i.optional)
                for i in progress.items
            )
            got = sorted(
                (r["component_code"], r["level"], r["status"], r["attempts_used"], r["optional"])
                for r in rows
                if r["candidate_id"] == person.pk
            )
            assert got == expected
            assert annotated[person.pk].route_complete == progress.complete
            assert annotated[person.pk].requirements_total == len(progress.items)
            assert annotated[person.pk].requirements_outstanding == sum(
                1 for i in progress.items if i.status == STATUS_OUTSTANDING and not i.optional
            )
            assert {row[1:] for row in outstanding if row[0] == person.pk} == {
                (i.component_code, i.level, i.attempts_used)
                for i in progress.items
                if i.status == STATUS_OUTSTANDING and not i.optional
            }
        transaction.set_rollback(True)


def test_bulk_progress_query_count_does_not_grow_with_candidates():
    municipality = OrganisationFactory()

    def count():
        candidates = Candidate.objects.filter(municipality=municipality)
        with CaptureQueriesContext(connection) as queries:
            list(progress_rows(candidates))
            list(annotate_progress(candidates))
            list(outstanding_requirements(candidates))
        return len(queries)

    CandidateFactory(municipality=municipality)
    few = count()
    CandidateFactory.create_batch(5, municipality=municipality)
    assert count() == few == 3


def test_a_step_down_lowers_only_its_own_component_in_bulk():
    """A step-down of LEZ to A2 does not let an A2 pass of SCH count (B1 required)."""
    user = UserFactory()
    made = CandidateFactory(route=Route.objects.get(code="B1", regime__code="WI2021"))
    Decision.objects.create(
        candidate=made,
        kind=Decision.Kind.STEP_DOWN,
        component=Component.objects.get(code="LEZ"),
        level="A2",
        decided_by=user,
        decided_for=made.municipality,
        reason="effort",
    )
    Result.objects.create(
        candidate=made,
        component=Component.objects.get(code="SCH"),
        level="A2",
        outcome="passed",
        status=Result.Status.RELEASED,
        sat_on=datetime.date(2025, 3, 1),
    )
    single = candidate_progress(made)
    bulk = annotate_progress(Candidate.objects.filter(pk=made.pk)).get()

    assert bulk.requirements_outstanding == sum(
        1 for r in single.items if r.status == STATUS_OUTSTANDING and not r.optional
    )
    assert bulk.requirements_passed == 0
