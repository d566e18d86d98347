"""examens.sql: fixed SQL must give exactly what the ORM gives, on SQLite and PostgreSQL."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from examens import sql
from examens.models import AuditEvent, Candidate, Decision, RouteRequirement
from scheduling import services
from scheduling.models import Booking, ExamSession
from tests.conftest import agency_staff
from tests.examens.factories import CandidateFactory, UserFactory, component
from tests.scheduling.factories import SessionFactory, candidate_for

pytestmark = pytest.mark.django_db


def fetch_one(columns: sql.Columns, model, pk):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {sql.table(model)} {sql.qn(columns.alias)} "  # noqa: S608
            f"WHERE {sql.column(model, 'id', columns.alias)} = %s",
            [pk],
        )
        return columns.load(cursor.fetchone())


def field_values(instance, names=None):
    names = names or [field.attname for field in instance._meta.concrete_fields]
    return {name: getattr(instance, name) for name in names}


def a_booking() -> Booking:
    session = SessionFactory(accommodations=["extended_time"], max_extra_minutes=30)
    candidate = candidate_for(session)
    return services.book_candidate(session, actor=agency_staff(), candidate=candidate)


@pytest.mark.parametrize("alias", [None, "x"])
def test_loaded_rows_equal_the_orm_for_every_field_type(alias):
    """Dates, aware datetimes, JSON lists, booleans, nullable keys and choices."""
    booking = a_booking()
    Decision.objects.create(
        candidate=booking.candidate,
        kind=Decision.Kind.ACCOMMODATION,
        ground="medical",
        needs=["extended_time"],
        extra_minutes=15,
        decided_on=datetime.date(2026, 3, 2),
        decided_by=UserFactory(),
        decided_for=booking.candidate.municipality,
    )
    for model, pk in [
        (Booking, booking.pk),
        (ExamSession, booking.session_id),
        (Candidate, booking.candidate_id),
        (Decision, Decision.objects.get().pk),
        (AuditEvent, AuditEvent.objects.get().pk),
    ]:
        loaded = fetch_one(sql.Columns(model, alias=alias), model, pk)
        assert field_values(loaded) == field_values(model.objects.get(pk=pk)), model
        assert loaded._state.adding is False


def test_a_subset_of_columns_loads_those_fields_and_defers_the_rest():
    booking = a_booking()
    columns = sql.Columns(Booking, ["status", "counts_as_attempt"], alias="b")
    loaded = fetch_one(columns, Booking, booking.pk)
    assert (loaded.pk, loaded.status, loaded.counts_as_attempt) == (
        booking.pk,
        "booked",
        True,
    )
    assert loaded.get_deferred_fields() >= {"reference", "session_id"}


def test_the_empty_side_of_a_left_join_loads_as_none():
    assert sql.Columns(Booking).load([None] * sql.Columns(Booking).width) is None


def test_insert_writes_every_field_like_save_and_fills_auto_now_add():
    session = SessionFactory()
    candidate = candidate_for(session)
    before = timezone.now()
    booking = Booking(
        session=session,
        candidate=candidate,
        component=component("LEZ"),
        level="B1",
        status=Booking.Status.BOOKED,
        attempt_number=2,
        payer=Booking.Payer.MUNICIPALITY,
        fee_cents=5000,
        slot_minutes=80,
        accommodations=["extended_time"],
        outside_term=True,
        reference="EB-TEST-0001",
        status_changed_at=before,
    )
    sql.insert(booking)
    assert booking.pk is not None
    assert booking._state.adding is False
    assert booking.created_at >= before
    stored = Booking.objects.get(pk=booking.pk)
    assert field_values(stored) == field_values(booking)


def test_booking_inputs_are_read_together_and_absent_ones_are_none():
    from scheduling.eligibility import load_inputs
    from tests.examens.factories import OrganisationFactory

    session = SessionFactory()
    candidate = CandidateFactory()
    decided = {"decided_by": UserFactory(), "decided_for": OrganisationFactory()}
    older = Decision.objects.create(
        candidate=candidate,
        kind=Decision.Kind.EXEMPTION,
        ground="medical",
        component=component("KNM"),
        decided_on=datetime.date(2026, 1, 5),
        **decided,
    )
    newer = Decision.objects.create(
        candidate=candidate,
        kind=Decision.Kind.STEP_DOWN,
        ground="medical",
        component=session.component,
        level="A2",
        decided_on=datetime.date(2026, 2, 5),
        **decided,
    )
    Decision.objects.create(
        candidate=candidate,
        kind=Decision.Kind.EXEMPTION,
        ground="medical",
        decided_on=datetime.date(2026, 3, 5),
        withdrawn_at=timezone.now(),
        **decided,
    )

    earlier = services.book_candidate(
        session, actor=agency_staff(), candidate=candidate, idempotency_key="k1"
    )
    other_candidates_key = a_booking()
    Booking.objects.filter(pk=other_candidates_key.pk).update(idempotency_key="k2")

    inputs = load_inputs(candidate.pk, session.pk, "k2")

    assert field_values(inputs.candidate) == field_values(candidate)
    assert field_values(inputs.session) == field_values(ExamSession.objects.get(pk=session.pk))
    assert inputs.session.component.code == session.component.code
    expected = RouteRequirement.objects.get(route=candidate.route, component=session.component_id)
    assert field_values(inputs.requirement) == field_values(expected)
    assert inputs.decisions == [newer, older]  # Decision's ordering, live ones only
    assert list(Decision.objects.filter(withdrawn_at__isnull=True)) == [newer, older]
    assert sorted(booking.pk for booking in inputs.bookings) == sorted(
        [earlier.pk, other_candidates_key.pk]
    )
    loaded = next(booking for booking in inputs.bookings if booking.pk == earlier.pk)
    assert field_values(loaded) == field_values(Booking.objects.get(pk=earlier.pk))
    assert load_inputs(candidate.pk, session.pk).bookings == [loaded]
    assert load_inputs(candidate.pk + 1000, session.pk).candidate is None
    assert load_inputs(candidate.pk, session.pk + 1000).session is None
    assert load_inputs(CandidateFactory().pk, session.pk).decisions == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_execute_reuses_a_cursor_until_the_connection_or_query_logging_changes():
    from django.test.utils import CaptureQueriesContext

    first = sql.execute("SELECT 1", [])
    assert first.fetchone()[0] == 1
    assert sql.execute("SELECT 2", []) is first

    with CaptureQueriesContext(connection) as captured:
        logged = sql.execute("SELECT 3", [])
        assert logged.fetchone()[0] == 3
    assert logged is not first
    assert [query["sql"] for query in captured.captured_queries] == ["SELECT 3"]

    connection.close()
    reopened = sql.execute("SELECT 4", [])
    assert reopened is not first
    assert reopened is not logged
    assert reopened.fetchone()[0] == 4


def test_the_orm_keeps_client_side_binding_so_bulk_work_has_no_parameter_limit():
    """Server-side binding caps a statement at 65,535 parameters (a bulk delete of
    results hit it); only examens.sql's fixed statements bind on the server."""
    from tests.conftest import require_service

    require_service("PostgreSQL", connection.vendor == "postgresql")
    many = list(range(1, 70_001))
    assert Booking.objects.filter(pk__in=many).count() == 0
    assert sql.execute("SELECT %s::int + 1", [1]).fetchone()[0] == 2
    assert type(sql.execute("SELECT 1", []).cursor).__name__ == "ServerBindingCursor"
