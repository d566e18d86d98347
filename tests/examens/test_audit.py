import io
import logging
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, IntegrityError, connection, transaction

from examens.audit import SYSTEM, _ChainState, record_event, verify_chain
from examens.models import AuditEvent, Component
from examens.privacy import MaskBsnLogFilter, mask_bsn, mask_data
from examens.sql import CHAIN_LOCK_ID
from tests.conftest import require_service
from tests.examens.factories import CandidateFactory, UserFactory, make_bsn

pytestmark = pytest.mark.django_db


def write_events(count=5):
    candidate = CandidateFactory()
    actor = UserFactory()
    with transaction.atomic():
        for n in range(count):
            record_event(
                actor if n % 2 else SYSTEM,
                "examens.test.happened",
                candidate,
                data={"n": n, "bsn": candidate.bsn},
            )
    return list(AuditEvent.objects.order_by("pk"))


def tamper(event_id, **changes):
    """Change a row behind the application's back (on PostgreSQL, past the trigger)."""
    table = AuditEvent._meta.db_table
    sets = ", ".join(f"{column} = %s" for column in changes)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute(
            f"UPDATE {table} SET {sets} WHERE id = %s",  # noqa: S608
            [*changes.values(), event_id],
        )
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def test_events_are_chained_to_their_predecessor():
    events = write_events()
    assert events[0].prev_hash == "0" * 64
    for before, after in zip(events, events[1:], strict=False):
        assert after.prev_hash == before.hash
    assert verify_chain() == (5, None)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_record_event_refuses_to_run_outside_a_transaction():
    with pytest.raises(RuntimeError):
        record_event(SYSTEM, "examens.test.happened", object_type="x", object_id="1")


def test_record_event_refuses_a_missing_actor():
    with pytest.raises(TypeError), transaction.atomic():
        record_event(None, "examens.test.happened", object_type="x", object_id="1")


def test_bsn_is_masked_in_event_data():
    events = write_events(1)
    candidate_bsn = events[0].data["bsn"]
    assert candidate_bsn.startswith("*****")


def test_verify_audit_names_the_tampered_event():
    events = write_events()
    tamper(events[2].pk, data='{"n": 99}')
    with pytest.raises(CommandError, match=f"#{events[2].pk}"):
        call_command("verify_audit", stdout=io.StringIO())
    checked, broken = verify_chain()
    assert checked == 2
    assert broken.event_id == events[2].pk


def test_verify_audit_names_a_broken_link_when_a_row_is_rewritten_with_a_new_hash():
    events = write_events()
    tamper(events[3].pk, prev_hash="f" * 64)
    checked, broken = verify_chain()
    assert broken.event_id == events[3].pk
    assert "prev_hash" in broken.reason


def test_verify_audit_reports_an_intact_chain():
    write_events(3)
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "3 events verified" in out.getvalue()


def test_postgresql_refuses_update_and_delete_of_audit_rows():
    require_service("PostgreSQL", connection.vendor == "postgresql")
    event = write_events(1)[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk, action="examens.test.happened").exists()


def test_mask_data_hides_bsns_and_secrets_at_any_depth():
    number = make_bsn()
    masked = mask_data(
        {
            "bsn": number,
            "nested": [{"note": f"BSN {number} called"}],
            "otp_token": "123456",
            "password": "hunter2",
            "count": 3,
            "cbs_code": "0344",
            "key_id": "k1",
            "backup_codes": ["a", "b"],
        }
    )
    assert number not in str(masked)
    assert masked["bsn"] == mask_bsn(number)
    assert masked["otp_token"] == "***"
    assert masked["password"] == "***"
    assert masked["count"] == 3
    assert masked["cbs_code"] == "0344"
    assert masked["key_id"] == "k1"
    assert masked["backup_codes"] == "***"


def test_log_filter_masks_bsns_but_leaves_other_numbers():
    number = make_bsn()
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "looked up %s and %s", (number, "123456789"), None
    )
    MaskBsnLogFilter().filter(record)
    message = record.getMessage()
    assert number not in message
    assert mask_bsn(number) in message
    assert "123456789" in message  # fails the 11-check: not a BSN


def use_chains(monkeypatch, numbers):
    """Make the next events go to the given chains, as if written by several connections."""
    states = {n: _ChainState(None, n) for n in set(numbers)}
    order = iter(numbers)
    monkeypatch.setattr("examens.audit._owned_chain", lambda: states[next(order)])


def test_each_chain_links_only_to_its_own_previous_event(monkeypatch):
    use_chains(monkeypatch, [0, 3, 0, 3, 3])
    events = write_events(5)
    assert [e.chain for e in events] == [0, 3, 0, 3, 3]
    assert events[0].prev_hash == events[1].prev_hash == "0" * 64
    assert events[2].prev_hash == events[0].hash
    assert events[3].prev_hash == events[1].hash
    assert events[4].prev_hash == events[3].hash
    assert verify_chain() == (5, None)


def test_moving_an_event_to_another_chain_is_detected(monkeypatch):
    use_chains(monkeypatch, [0, 3, 0])
    events = write_events(3)
    tamper(events[1].pk, chain=7)
    checked, broken = verify_chain()
    assert broken.event_id == events[1].pk


def test_an_event_rolled_back_with_its_savepoint_is_not_linked_to():
    """The connection remembers the tail it appended; a rollback makes that stale."""
    candidate = CandidateFactory()

    def record_then_fail():
        with transaction.atomic():
            record_event(SYSTEM, "examens.test.rolled_back", candidate, data={})
            raise LookupError("refused after the event")

    with transaction.atomic():
        first = record_event(SYSTEM, "examens.test.kept", candidate, data={})
        with pytest.raises(LookupError, match="refused"):
            record_then_fail()
        last = record_event(SYSTEM, "examens.test.kept", candidate, data={})
    assert last.prev_hash == first.hash
    assert verify_chain() == (2, None)


def test_a_chain_cannot_fork():
    """Two events of one chain never share a predecessor: the database refuses it."""
    events = write_events(2)
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.create(
            created_at=events[1].created_at,
            actor_label="system:x",
            action="examens.test.forged",
            chain=events[1].chain,
            prev_hash=events[1].prev_hash,
            hash="f" * 64,
        )


def advisory_chains_held(cursor) -> list[int]:
    cursor.execute(
        "SELECT objid FROM pg_locks WHERE locktype = 'advisory' AND classid = %s "
        "AND pid = pg_backend_pid() AND granted ORDER BY objid",
        [CHAIN_LOCK_ID],
    )
    return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_postgresql_connections_each_own_one_chain():
    require_service("PostgreSQL", connection.vendor == "postgresql")
    events = write_events(3)
    assert len({event.chain for event in events}) == 1
    with connection.cursor() as cursor:
        assert advisory_chains_held(cursor) == [events[0].chain]

    other = {}

    def write_from_another_connection():
        try:
            with transaction.atomic():
                event = record_event(
                    SYSTEM, "examens.test.elsewhere", object_type="x", object_id="1"
                )
            with connection.cursor() as cursor:
                other["held"] = advisory_chains_held(cursor)
            other["chain"] = event.chain
        finally:
            connection.close()

    thread = threading.Thread(target=write_from_another_connection)
    thread.start()
    thread.join()
    assert other["chain"] != events[0].chain
    assert other["held"] == [other["chain"]]
    assert verify_chain() == (4, None)


@pytest.mark.parametrize(
    "name",
    [
        "password",
        "new_password",
        "secret",
        "client_secret",
        "token",
        "otp_token",
        "api_token",
        "static_tokens",
        "otp",
        "otp_code",
        "verification_code",
        "one_time_code",
        "backup_codes",
        "recovery_codes",
        "key",
        "api_key",
        "totp_key",
        "secret_key",
        "private_key",
        "key_hash",
    ],
)
def test_mask_data_hides_each_secret_by_its_name(name):
    assert mask_data({name: "s3cr3t"}) == {name: "***"}


@pytest.mark.parametrize(
    "name", ["code", "cbs_code", "component_code", "version_code", "key_id", "public_key"]
)
def test_mask_data_keeps_identifiers_named_code_or_key(name):
    assert mask_data({name: "LEZ"}) == {name: "LEZ"}


def test_a_catalogue_event_keeps_its_component_code():
    component = Component.objects.get(code="LEZ")
    with transaction.atomic():
        event = record_event(
            SYSTEM,
            "examens.component.changed",
            component,
            data={"fields": ["fee_cents"], "values": {"code": "LEZ", "fee_cents": 100}},
        )
    event.refresh_from_db()
    assert event.data["values"]["code"] == "LEZ"
