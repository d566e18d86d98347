"""examens.sql: the fixed statements give exactly what the ORM gives, on SQLite and PostgreSQL,
and hand-written SQL stays inside its boundary."""

import ast
import datetime
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from examens import sql
from examens.audit import SYSTEM, record_event
from examens.models import AuditEvent, Candidate, Decision, RouteRequirement
from scheduling import services
from scheduling.eligibility import (
    build_context,
    inputs_for_booking,
    load_inputs,
    read_for_booking,
)
from scheduling.models import Booking, ExamSession
from tests.conftest import agency_staff
from tests.examens.factories import CandidateFactory, OrganisationFactory, UserFactory, component
from tests.scheduling.factories import SessionFactory, candidate_for

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def fetch_one(columns: sql.Columns, model, pk):
    rows = sql.fetch_all(
        f"SELECT {columns} FROM {sql.table(model)} {sql.qn(columns.alias)} "  # noqa: S608
        f"WHERE {columns.column('id')} = %s",
        [pk],
    )
    return columns.load(rows[0])


def field_values(instance):
    return {
        field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields
    }


def a_booking() -> Booking:
    session = SessionFactory(accommodations=["extended_time"], max_extra_minutes=30)
    candidate = candidate_for(session)
    return services.book_candidate(session, actor=agency_staff(), candidate=candidate)


def a_decision(candidate, **fields) -> Decision:
    return Decision.objects.create(
        candidate=candidate,
        ground="medical",
        decided_by=UserFactory(),
        decided_for=OrganisationFactory(),
        **fields,
    )


@pytest.mark.parametrize("alias", ["t", "x"])
def test_loaded_rows_equal_the_orm_for_every_field_type(alias):
    """Dates, aware datetimes, JSON lists, booleans, nullable keys and choices."""
    booking = a_booking()
    a_decision(
        booking.candidate,
        kind=Decision.Kind.ACCOMMODATION,
        needs=["extended_time"],
        extra_minutes=15,
        decided_on=datetime.date(2026, 3, 2),
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
        assert loaded == model.objects.get(pk=pk)


def test_the_empty_side_of_a_left_join_loads_as_none():
    columns = sql.Columns(Booking, alias="b")
    assert columns.load([None] * columns.width) is None


def test_take_one_counts_a_seat_and_returns_the_row_the_orm_reads():
    session = SessionFactory(capacity=2, held_count=1)
    with transaction.atomic():
        taken = sql.take_one(
            ExamSession, session.pk, count="booked_count", held="held_count", limit="capacity"
        )
    stored = ExamSession.objects.get(pk=session.pk)
    assert stored.booked_count == 1
    assert field_values(taken) == field_values(stored)

    with transaction.atomic():
        full = sql.take_one(
            ExamSession, session.pk, count="booked_count", held="held_count", limit="capacity"
        )
    assert full is None
    assert ExamSession.objects.get(pk=session.pk).booked_count == 1


def test_an_appended_event_is_returned_as_the_orm_reads_it():
    with transaction.atomic():
        event = record_event(SYSTEM, "test.appended", data={"when": "now", "n": 1})
    stored = AuditEvent.objects.get()
    assert event.pk == stored.pk
    assert field_values(event) == field_values(stored)
    assert event._state.adding is False  # saved: a later save() would update, not insert


def test_an_append_with_a_stale_tail_writes_nothing():
    with transaction.atomic():
        first = record_event(SYSTEM, "test.first")
        stale = AuditEvent(
            created_at=timezone.now(),
            actor_label="system:test",
            action="test.stale",
            chain=first.chain,
            prev_hash=sql.GENESIS_HASH,
            hash="f" * 64,
            data={},
        )
        assert sql.append_event(stale, tail=sql.GENESIS_HASH) is None
        assert sql.chain_tail(first.chain) == first.hash
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["test.first"]


def test_booking_inputs_equal_the_orm_and_are_read_in_one_statement(
    django_assert_num_queries,
):
    session = SessionFactory()
    candidate = CandidateFactory()
    older = a_decision(
        candidate,
        kind=Decision.Kind.EXEMPTION,
        component=component("KNM"),
        decided_on=datetime.date(2026, 1, 5),
    )
    newer = a_decision(
        candidate,
        kind=Decision.Kind.STEP_DOWN,
        component=session.component,
        level="A2",
        decided_on=datetime.date(2026, 2, 5),
    )
    a_decision(
        candidate,
        kind=Decision.Kind.EXEMPTION,
        decided_on=datetime.date(2026, 3, 5),
        withdrawn_at=timezone.now(),
    )
    earlier = services.book_candidate(
        session, actor=agency_staff(), candidate=candidate, idempotency_key="k1"
    )
    other_candidates_key = a_booking()
    Booking.objects.filter(pk=other_candidates_key.pk).update(idempotency_key="k2")

    with django_assert_num_queries(1):
        inputs = load_inputs(candidate, session, "k2")

    expected = RouteRequirement.objects.get(route=candidate.route, component=session.component_id)
    assert field_values(inputs.requirement) == field_values(expected)
    live = Decision.objects.filter(candidate=candidate, withdrawn_at__isnull=True)
    assert inputs.decisions == list(live) == [newer, older]  # Decision's ordering
    assert [field_values(d) for d in inputs.decisions] == [field_values(d) for d in live]
    assert sorted(booking.pk for booking in inputs.bookings) == sorted(
        [earlier.pk, other_candidates_key.pk]
    )
    loaded = next(booking for booking in inputs.bookings if booking.pk == earlier.pk)
    assert field_values(loaded) == field_values(Booking.objects.get(pk=earlier.pk))
    assert load_inputs(candidate, session).bookings == [loaded]
    assert load_inputs(CandidateFactory(), session).decisions == []


def test_inputs_read_for_another_candidate_or_session_are_refused():
    session = SessionFactory()
    candidate = candidate_for(session)
    inputs = load_inputs(candidate, session)
    assert build_context(candidate, session, inputs=inputs).requirement is not None
    with pytest.raises(ValueError, match="inputs read for"):
        build_context(candidate_for(session), session, inputs=inputs)
    other_session = SessionFactory(component=component("KNM"))
    with pytest.raises(ValueError, match="inputs read for"):
        build_context(candidate, other_session, inputs=inputs)


def test_inputs_kept_by_read_for_booking_serve_only_that_candidate_session_and_key(
    django_assert_num_queries,
):
    session = SessionFactory()
    candidate = candidate_for(session)
    other = candidate_for(session)

    with django_assert_num_queries(1):
        loaded, loaded_session = read_for_booking(candidate.pk, session.pk, "k1")
        kept = inputs_for_booking(loaded, loaded_session, "k1")
    assert field_values(loaded) == field_values(candidate)
    assert field_values(loaded_session) == field_values(session)
    assert kept.candidate_id == candidate.pk

    _loaded, loaded_session = read_for_booking(candidate.pk, session.pk, "k1")
    with django_assert_num_queries(1):  # another candidate: read again, for that one
        fresh = inputs_for_booking(other, loaded_session, "k1")
    assert fresh.candidate_id == other.pk

    loaded, loaded_session = read_for_booking(candidate.pk, session.pk, "k1")
    with django_assert_num_queries(1):  # another key: read again
        inputs_for_booking(loaded, loaded_session, "k2")
    with django_assert_num_queries(1):  # used once: a second booking reads again
        inputs_for_booking(loaded, loaded_session, "k1")
    missing_candidate, found = read_for_booking(candidate.pk + 1000, session.pk)
    assert (missing_candidate, found.pk) == (None, session.pk)
    found, missing_session = read_for_booking(candidate.pk, session.pk + 1000)
    assert (found.pk, missing_session) == (candidate.pk, None)
    assert not hasattr(found, "_booking_inputs")


def test_the_orm_keeps_client_side_binding_so_bulk_work_has_no_parameter_limit():
    """Server-side binding caps a statement at 65,535 parameters (a bulk delete of
    results hit it): neither the ORM nor the fixed statements bind on the server."""
    from tests.conftest import require_service

    require_service("PostgreSQL", connection.vendor == "postgresql")
    many = list(range(1, 70_001))
    assert Booking.objects.filter(pk__in=many).count() == 0


def test_insert_writes_what_the_orm_writes_and_returns_the_stored_row():
    booking = a_booking()
    twin = Booking(
        **{
            field.attname: getattr(booking, field.attname)
            for field in Booking._meta.concrete_fields
            if not field.primary_key and field.attname not in ("created_at", "reference")
        },
        reference="EB-TWIN-0001",
    )
    twin.status = Booking.Status.CANCELLED  # the open-booking index admits one open booking
    twin.idempotency_key = "twin"
    before = timezone.now()
    with transaction.atomic():
        stored = sql.insert(twin)
    assert stored.pk is not None
    assert stored.pk != booking.pk
    assert stored._state.adding is False  # a later save() updates
    assert field_values(stored) == field_values(Booking.objects.get(pk=stored.pk))
    assert stored.created_at >= before  # auto_now_add through the field's pre_save
    again = Booking(**{**field_values(stored), "id": None, "reference": "EB-TWIN-0002"})
    with pytest.raises(IntegrityError), transaction.atomic():
        sql.insert(again)  # the same idempotency key: the unique index refuses it
    assert Booking.objects.count() == 2


def prepared_names():
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # closes the connection
def test_a_prepared_statement_is_prepared_once_per_database_session():
    """PREPARE once per session, EXECUTE after; the rows are those of the plain statement;
    a statement prepared in a transaction that rolled back stays usable; a new session
    prepares again."""
    from tests.conftest import require_service

    require_service("PostgreSQL", connection.vendor == "postgresql")
    booking = a_booking()
    query = f"SELECT {sql.column(Booking, 'reference')} FROM {sql.table(Booking)} WHERE id = %s"  # noqa: S608
    plain = sql.fetch_all(query, [booking.pk])
    name = sql._dollar_form(query)[0]
    with transaction.atomic():
        assert sql.fetch_all(query, [booking.pk], prepared=True) == plain
        transaction.set_rollback(True)
    assert name in prepared_names()
    with CaptureQueriesContext(connection) as queries:
        assert sql.fetch_all(query, [booking.pk], prepared=True) == plain
    assert [q["sql"] for q in queries.captured_queries] == [f"EXECUTE {name}({booking.pk})"]

    connection.close()  # a new database session knows no prepared statements
    connection.ensure_connection()
    assert name not in prepared_names()
    assert sql.fetch_all(query, [booking.pk], prepared=True) == plain
    assert name in prepared_names()


def test_a_statement_to_prepare_holds_no_percent_sign_but_its_placeholders():
    with pytest.raises(ValueError, match="no %"):
        sql._dollar_form("SELECT 1 WHERE 'a' LIKE '%%a' AND 1 = %s")


# --- The boundary ------------------------------------------------------------------------

# Hand-written SQL outside examens/sql.py: the booking inputs' statement and grading's
# already-passed rule (they name the higher apps' models, which examens may not import;
# docs/decisions/0007), an advisory lock and a health check.
SQL_ALLOWED = {
    "examens/sql.py",
    "scheduling/eligibility/inputs.py",
    "grading/eligibility.py",
    "certificates/services/keys.py",
    "examens/views/staff.py",
}
PRIVATE_DJANGO = ("ServerBindingCursor", "get_db_converters", "make_cursor", "make_debug_cursor")


def project_modules():
    for app in ("config", "examens", "scheduling", "grading", "certificates", "monitoring"):
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text())


def test_hand_written_sql_stays_inside_its_boundary():
    outside = []
    for name, tree in project_modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                called = node.func.attr
                if called in ("cursor", "raw", "fetch_all", "extra") and name not in SQL_ALLOWED:
                    outside.append(f"{name}:{node.lineno} .{called}()")
    assert outside == []


def test_no_private_django_database_api_in_the_project():
    found = []
    for name, tree in project_modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "django.db.backends"
            ):
                found.append(f"{name}:{node.lineno} import {node.module}")
            if isinstance(node, ast.Attribute) and node.attr in (*PRIVATE_DJANGO, "_state"):
                found.append(f"{name}:{node.lineno} .{node.attr}")
    assert found == []
