"""The project's hand-written SQL: the few statements the ORM cannot say.

Boundary. Everything reads and writes through the ORM, except these statements
(docs/decisions/0007 records why each one is here and what the ORM version
cost on bench/booking.py):

- `take_one`: `UPDATE ... SET n = n + 1 WHERE id = %s AND n + held < limit
  RETURNING *`, the booking's seat. The database locks the row, re-checks
  the condition on its newest version and writes, in one statement; the
  ORM's `update()` returns a count, not the locked row, so it would need a
  second statement to read it back (and a third to lock it when full).
- The audit chain (`examens.audit`): claiming a chain with a session
  advisory lock (`claim_chain`), reading its tail (`chain_tail`), and the
  conditional append `INSERT ... SELECT ... WHERE <tail> = %s RETURNING id`
  (`append_event`), which inserts nothing when the tail has moved. The ORM
  has no INSERT ... SELECT and no advisory locks.
- Two reads on the booking's path, written next to the models they name (examens
  may not import the higher apps): everything the booking rules read, in one
  UNION ALL (`scheduling/eligibility/inputs.py`), and grading's "already passed"
  rule (`grading/eligibility.py`). The ORM can say both, in five statements and
  one; the measurement showed the 0.5x booking target needs them fixed.
- `insert`: the booking's INSERT. The ORM says it (`save(force_insert=True)`);
  the measurement showed the target needs it fixed and prepared.

Every statement on the booking's path runs prepared (`fetch_all(..., prepared=True)`):
SQL's own `PREPARE` once per database session, then `EXECUTE`; PostgreSQL parses and
plans it once instead of per booking (the inputs' UNION ALL took 0.5 ms to plan).

Rules for what is here: table and column names come from the models' public
`_meta` API, values are prepared by the fields' public `pre_save` and
`get_db_prep_save`, statements run on Django's own cursor
(`connection.cursor()`, so they are logged, counted and wrapped like the
ORM's), and rows come back as instances through `Model.objects.raw()` or
`Model.from_db()`, never through backend internals. A new statement belongs
here only when the ORM cannot express it or a measurement on
bench/booking.py shows the target needs it; record the reason in
docs/decisions.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import re
import weakref
from collections.abc import Iterable, Sequence
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, models
from django.utils import timezone

from .models import AuditEvent

GENESIS_HASH = "0" * 64
M = TypeVar("M", bound=models.Model)


def qn(name: str | None) -> str:
    if not name:
        raise ValueError("a table or column needs a name")
    return connection.ops.quote_name(name)


def column(model: type[models.Model], name: str) -> str:
    """The quoted column of field `name` of `model`."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{model.__name__}.{name} is not a concrete field")
    return qn(field.column)


def table(model: type[models.Model]) -> str:
    return qn(model._meta.db_table)


def fetch_all(query: str, params: Sequence, *, prepared: bool = False) -> list[tuple]:
    """Run one fixed statement on Django's cursor and return its rows.

    With `prepared`, on PostgreSQL, the statement is parsed and planned once per
    database session (SQL's own `PREPARE`, then `EXECUTE` with the values): see
    `_prepared_name`. Elsewhere it runs as it is.
    """
    with connection.cursor() as cursor:
        if prepared and connection.vendor == "postgresql":
            name = _prepared_name(cursor, query)
            cursor.execute(f"EXECUTE {name}({', '.join(['%s'] * len(params))})", params)
        else:
            cursor.execute(query, params)
        return cursor.fetchall()


# The statements each PostgreSQL session (keyed by its DB-API connection, so a reconnect
# starts empty) has prepared. A prepared statement lives as long as the session, also
# when the transaction that prepared it rolls back; poolers must run in session mode
# (as the audit chains' advisory locks already require).
_PREPARED: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()
_PLACEHOLDER = re.compile(r"%s")


@functools.cache
def _dollar_form(query: str) -> tuple[str, str]:
    """The statement's name (from its text) and its text with `$1, $2, ...` placeholders."""
    if "%" in _PLACEHOLDER.sub("", query):
        raise ValueError("a prepared statement may hold no % but its placeholders")
    numbers = iter(range(1, query.count("%s") + 1))
    dollars = _PLACEHOLDER.sub(lambda _match: f"${next(numbers)}", query)
    name = "eb_" + hashlib.sha256(query.encode()).hexdigest()[:24]
    return name, dollars


def _prepared_name(cursor, query: str) -> str:
    """Prepare `query` in this session unless done already; its name."""
    name, dollars = _dollar_form(query)
    known = _PREPARED.setdefault(connection.connection, set())
    if name not in known:
        cursor.execute(f"PREPARE {name} AS {dollars}")
        known.add(name)
    return name


def _python(field: models.Field, value):
    """A column's value as the field's Python value, through the fields' public API:
    `from_db_value` where the field has one (JSON); on PostgreSQL that is all the ORM
    does (psycopg returns dates, aware datetimes, booleans and decimals as such); on
    SQLite then `to_python` (which returns them as text or integers). A naive datetime
    is UTC: so both backends store it with USE_TZ."""
    if value is None:
        return None
    from_db_value = getattr(field, "from_db_value", None)
    if from_db_value is not None:
        value = from_db_value(value, None, connection)
    if connection.vendor == "postgresql":
        return value
    value = field.to_python(value)
    if isinstance(value, datetime.datetime) and timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.UTC)
    return value


def python_value(model: type[models.Model], name: str, value):
    """One column's value as field `name` of `model` holds it (see _python)."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{model.__name__}.{name} is not a concrete field")
    return _python(field, value)


class Columns(Generic[M]):
    """All concrete columns of `model` in a SELECT, and the loader that turns them back
    into an instance (`Model.from_db`, as the ORM's own rows)."""

    def __init__(self, model: type[M], *, alias: str):
        self.model = model
        self.alias = alias
        self.fields = list(model._meta.concrete_fields)
        self.attnames = [field.attname for field in self.fields]
        self.width = len(self.fields)
        self.pk_index = self.fields.index(model._meta.pk)

    def __str__(self) -> str:
        prefix = qn(self.alias)
        return ", ".join(f"{prefix}.{qn(field.column)}" for field in self.fields)

    def column(self, name: str) -> str:
        return f"{qn(self.alias)}.{column(self.model, name)}"

    def load(self, row: Sequence, start: int = 0) -> M | None:
        """The instance in `row[start:start + width]`; None when its primary key is NULL
        (the empty side of a LEFT JOIN)."""
        values = row[start : start + self.width]
        if values[self.pk_index] is None:
            return None
        python = [_python(field, value) for field, value in zip(self.fields, values, strict=True)]
        return self.model.from_db(DEFAULT_DB_ALIAS, self.attnames, python)


def nulls(parts: Iterable[Columns[Any]]) -> str:
    """NULL in place of every column of `parts` (the other side of a UNION ALL)."""
    return ", ".join(["NULL"] * sum(part.width for part in parts))


# --- The seat: one conditional UPDATE ... RETURNING -------------------------------------


@functools.cache
def _take_one_sql(model: type[models.Model], count: str, held: str, limit: str) -> str:
    n, h, cap = column(model, count), column(model, held), column(model, limit)
    names = ", ".join(qn(field.column) for field in model._meta.concrete_fields)
    return (
        f"UPDATE {table(model)} SET {n} = {n} + 1 "  # noqa: S608 - names from _meta
        f"WHERE {qn(model._meta.pk.column)} = %s AND {n} + {h} < {cap} RETURNING {names}"
    )


def take_one(model: type[M], pk: int, *, count: str, held: str, limit: str) -> M | None:
    """Add one to `count` of row `pk` while `count + held < limit`, in one statement.

    Returns the updated row, locked until the transaction ends; None (nothing
    written) when no room was left. The database re-evaluates the condition on
    the newest row version after waiting for any other writer, so the check
    and the write cannot be separated by another transaction.
    """
    rows = fetch_all(_take_one_sql(model, count, held, limit), [pk], prepared=True)
    return _columns(model).load(rows[0]) if rows else None


@functools.cache
def _columns(model: type[M]) -> Columns[M]:
    """Every concrete column of `model`, in `_meta` order (the order RETURNING names)."""
    return Columns(model, alias=model._meta.db_table)


# --- The booking's INSERT -----------------------------------------------------------------


@functools.cache
def _insert_sql(model: type[models.Model]) -> str:
    fields = _insert_fields(model)
    names = ", ".join(qn(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    return (
        f"INSERT INTO {table(model)} ({names}) VALUES ({placeholders}) "  # noqa: S608
        f"RETURNING {qn(model._meta.pk.column)}"
    )


def _insert_fields(model: type[models.Model]) -> list[models.Field]:
    """The columns an INSERT writes: all but an automatic primary key."""
    return [field for field in model._meta.concrete_fields if not field.primary_key]


def insert(instance: M) -> M:
    """INSERT `instance` (a new row with an automatic primary key) in one prepared
    statement, as `save(force_insert=True)` would write it (each field's `pre_save`,
    so `auto_now_add` is set, and `get_db_prep_save`), without signals: the models it
    is used for have no receivers. Returns the stored row as the ORM loads it (primary
    key set, no longer adding); a unique index's refusal raises IntegrityError."""
    model = type(instance)
    fields = _insert_fields(model)
    values = [field.pre_save(instance, True) for field in fields]
    params = [
        field.get_db_prep_save(value, connection)
        for field, value in zip(fields, values, strict=True)
    ]
    rows = fetch_all(_insert_sql(model), params, prepared=True)
    names = [model._meta.pk.attname, *(field.attname for field in fields)]
    return model.from_db(DEFAULT_DB_ALIAS, names, [rows[0][0], *values])


# --- The audit chain ---------------------------------------------------------------------

# "exam": with the chain number, the advisory lock that claims a chain.
CHAIN_LOCK_ID = 0x6578616D


def claim_chain(max_chains: int) -> int | None:
    """Claim the lowest free audit chain number for this PostgreSQL session (a session
    advisory lock, held until the connection closes); None when all are claimed."""
    with connection.cursor() as cursor:
        # The filter runs row by row under LIMIT 1: exactly one lock is taken.
        cursor.execute(
            "SELECT n FROM generate_series(0, %s) AS n WHERE pg_try_advisory_lock(%s, n) LIMIT 1",
            [max_chains - 1, CHAIN_LOCK_ID],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _event_fields() -> list[models.Field]:
    """The columns an append writes: all but the automatic primary key."""
    return [field for field in AuditEvent._meta.concrete_fields if not field.primary_key]


@functools.cache
def _tail_sql() -> str:
    chain, pk = column(AuditEvent, "chain"), qn(AuditEvent._meta.pk.column)
    return (
        f"SELECT {column(AuditEvent, 'hash')} FROM {table(AuditEvent)} "  # noqa: S608
        f"WHERE {chain} = %s ORDER BY {pk} DESC LIMIT 1"
    )


@functools.cache
def _append_sql() -> str:
    fields = _event_fields()
    names = ", ".join(qn(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    return (
        f"INSERT INTO {table(AuditEvent)} ({names}) SELECT {placeholders} "  # noqa: S608
        f"WHERE COALESCE(({_tail_sql()}), %s) = %s RETURNING {qn(AuditEvent._meta.pk.column)}"
    )


def chain_tail(chain: int) -> str:
    """The hash of the chain's last event (index auditevent_chain_tail), or the genesis
    hash for an empty chain."""
    rows = fetch_all(_tail_sql(), [chain], prepared=True)
    return rows[0][0] if rows else GENESIS_HASH


def append_event(event: AuditEvent, *, tail: str) -> AuditEvent | None:
    """INSERT `event` only if `tail` is still the last hash of `event.chain`.

    Returns the stored event (as loaded from the database: primary key set,
    no longer adding), or None, with nothing written, when the tail has moved.
    """
    fields = _event_fields()
    values = [field.get_db_prep_save(field.pre_save(event, True), connection) for field in fields]
    rows = fetch_all(_append_sql(), [*values, event.chain, GENESIS_HASH, tail], prepared=True)
    if not rows:
        return None
    row = rows[0]
    names = [AuditEvent._meta.pk.attname, *(field.attname for field in fields)]
    stored = [row[0], *(getattr(event, field.attname) for field in fields)]
    return AuditEvent.from_db(DEFAULT_DB_ALIAS, names, stored)
