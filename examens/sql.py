"""Fixed SQL for the few hot paths, still driven by the models' metadata.

The ORM builds and compiles every query anew on each call: about half a
millisecond of CPU per statement on our machines, which was most of the cost
of a booking (bench/booking.py, docs/decisions/0006). The booking path
therefore runs fixed SQL whose table and column names come from the models'
`_meta`, and turns rows into model instances with the same converters the ORM
applies (so dates, JSON and booleans come back alike on SQLite and
PostgreSQL). Everything that is not a measured hot path uses the ORM.

    columns = Columns(Booking, alias="b")
    @statement
    def booking_sql() -> str:
        return f"SELECT {columns} FROM {table(Booking)} b WHERE b.id = %s"

    booking = columns.load(execute(booking_sql(), [pk]).fetchone())

Build each statement's text once per process with `@statement`, and run it
with `execute()`, which reuses one cursor per connection. `insert()`
writes one instance in one statement (without save()'s machinery and without
model signals: use it only where no receiver listens).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.backends.utils import CursorWrapper


def statement(build: Callable[..., str]) -> Callable[..., str]:
    """Cache the SQL text `build(*args)` returns: statements are written once per
    process, not on every call (a process talks to one database, `default`)."""
    return functools.cache(build)


def execute(query: str, params: Sequence) -> CursorWrapper:
    """Run `query` on a cursor kept for this connection and return that cursor.

    Opening a cursor costs about as much as a prepared statement's round trip,
    so the hot path reuses one: a new one when the connection was reopened or
    started or stopped logging queries (tests count them). On PostgreSQL it
    binds parameters on the server, so that psycopg prepares each of these
    fixed statements once per connection (`prepare_threshold`); the ORM keeps
    Django's client-side binding, which has no 65,535-parameter limit for bulk
    work. Read the rows before the next call."""
    connection.ensure_connection()
    key = (connection.connection, connection.queries_logged)
    kept = getattr(connection, "_examens_sql_cursor", None)
    if kept is None or kept[0] != key:
        kept = (key, _new_cursor())
        connection._examens_sql_cursor = kept
    cursor = kept[1]
    cursor.execute(query, params)
    return cursor


def _new_cursor() -> CursorWrapper:
    if connection.vendor != "postgresql":
        return connection.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor

    raw = ServerBindingCursor(connection.connection)
    if connection.queries_logged:
        return connection.make_debug_cursor(raw)
    return connection.make_cursor(raw)


def qn(name: str) -> str:
    return connection.ops.quote_name(name)


def table(model: type[models.Model]) -> str:
    return qn(model._meta.db_table)


def column(model: type[models.Model], name: str, alias: str | None = None) -> str:
    """The quoted column of field `name`, qualified with `alias` when given."""
    quoted = qn(model._meta.get_field(name).column)
    return f"{qn(alias)}.{quoted}" if alias else quoted


class Columns:
    """The columns of `model` in a SELECT (all concrete fields, or `fields` plus the
    primary key), and the loader that turns them back into an instance."""

    def __init__(
        self,
        model: type[models.Model],
        fields: Iterable[str] | None = None,
        *,
        alias: str | None = None,
    ):
        meta = model._meta
        if fields is None:
            chosen = list(meta.concrete_fields)
        else:
            chosen = [meta.pk, *(meta.get_field(name) for name in fields if name != meta.pk.name)]
        self.model = model
        self.fields = chosen
        self.alias = alias or meta.db_table
        self.attnames = [field.attname for field in chosen]
        self.width = len(chosen)
        self._converters: list | None = None

    def __str__(self) -> str:
        prefix = qn(self.alias)
        return ", ".join(f"{prefix}.{qn(field.column)}" for field in self.fields)

    def _converters_for_connection(self) -> list:
        """(index, converters, expression) for each column that needs converting, as the
        ORM's SQLCompiler.get_converters() finds them; found once per process."""
        if self._converters is None:
            found = []
            for index, field in enumerate(self.fields):
                col = field.get_col(self.alias)
                converters = connection.ops.get_db_converters(col) + col.get_db_converters(
                    connection
                )
                if converters:
                    found.append((index, converters, col))
            self._converters = found
        return self._converters

    def load(self, row: Sequence, start: int = 0) -> models.Model | None:
        """The instance in `row[start:start + width]`; None when its primary key is NULL
        (the empty side of a LEFT JOIN)."""
        values = list(row[start : start + self.width])
        if values[0] is None:
            return None
        converters = self._converters_for_connection()
        if converters:
            db = connections[DEFAULT_DB_ALIAS]
            for index, functions, col in converters:
                value = values[index]
                for function in functions:
                    value = function(value, col, db)
                values[index] = value
        return self.model.from_db(DEFAULT_DB_ALIAS, self.attnames, values)


def _insert_fields(model: type[models.Model]) -> list[models.Field]:
    """The concrete fields an INSERT writes: all but an automatic primary key."""
    return [
        field
        for field in model._meta.concrete_fields
        if not (field.primary_key and isinstance(field, models.AutoField))
    ]


@statement
def insert_columns(model: type[models.Model]) -> str:
    """The quoted column list of an INSERT of `model` (the order of insert_params)."""
    return ", ".join(qn(field.column) for field in _insert_fields(model))


@statement
def insert_placeholders(model: type[models.Model]) -> str:
    return ", ".join(["%s"] * len(_insert_fields(model)))


def insert_params(instance: models.Model) -> list:
    """The values to INSERT `instance`, prepared as save() prepares them (auto_now_add
    included), in the order of insert_columns."""
    return [
        field.get_db_prep_save(field.pre_save(instance, True), connection)
        for field in _insert_fields(type(instance))
    ]


def mark_saved(instance: models.Model, pk) -> None:
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = DEFAULT_DB_ALIAS


@statement
def _insert_sql(model: type[models.Model]) -> str:
    return (
        f"INSERT INTO {table(model)} ({insert_columns(model)}) "  # noqa: S608
        f"VALUES ({insert_placeholders(model)}) RETURNING {qn(model._meta.pk.column)}"
    )


def insert(instance: models.Model) -> None:
    """INSERT `instance` in one statement and set its primary key (no signals)."""
    cursor = execute(_insert_sql(type(instance)), insert_params(instance))
    mark_saved(instance, cursor.fetchone()[0])
