"""A fingerprint of the whole database: every table's row count and a checksum of its rows.

Sessions (django_session) are left out: logging in and messages write them, and
they hold no domain state. IGNORED_COLUMNS lists the few stamps that a request
writes on purpose without changing anything (each with its reason).
"""

from __future__ import annotations

import hashlib

from django.apps import apps
from django.contrib.sessions.models import Session
from django_otp_webauthn.models import WebAuthnUserHandle

from examens.models import ApiToken, AuditEvent, User
from monitoring.models import DemandCell, FigureCell, FigureRefresh, FigureSnapshot

IGNORED_COLUMNS = {
    # record_api_token_use: when a token was last used (once a minute); no audit event.
    (ApiToken, "last_used_at"),
    # Django stamps a login; the tests log their principals in again after `logout`.
    (User, "last_login"),
}

# Rows a request writes for the requesting user alone, holding no domain state: the
# session, and the random WebAuthn user handle that beginning a passkey ceremony creates
# once per user (django-otp-webauthn), which names nobody else's object.
# The stored figures too (decision 0033): a page that finds them stale has the job count
# them again (in embedded mode at once), as system:monitoring-figures with its own audit
# event; they are counts derived from the data, and name nobody.
UNTRACKED_MODELS = (
    Session,
    WebAuthnUserHandle,
    FigureSnapshot,
    FigureCell,
    DemandCell,
    FigureRefresh,
)
DERIVED_AUDIT_ACTIONS = ("monitoring.figures.refreshed",)

Snapshot = dict[str, tuple[int, str]]


def snapshot() -> Snapshot:
    tables: Snapshot = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if model in UNTRACKED_MODELS or meta.proxy or not meta.managed:
            continue
        columns = [
            f.attname for f in meta.concrete_fields if (model, f.attname) not in IGNORED_COLUMNS
        ]
        found = model._base_manager.order_by("pk")
        if model is AuditEvent:
            found = found.exclude(action__in=DERIVED_AUDIT_ACTIONS)
        rows = list(found.values_list(*columns))
        tables[meta.db_table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return tables


def last_audit_id() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def changes(before: Snapshot, after: Snapshot, audit_from: int) -> list[str]:
    """What differs, with the audit events written since `audit_from` (empty: nothing)."""
    changed = sorted(
        table for table in before.keys() | after.keys() if before.get(table) != after.get(table)
    )
    if not changed:
        return []
    events = (
        AuditEvent.objects.filter(pk__gt=audit_from)
        .exclude(action__in=DERIVED_AUDIT_ACTIONS)
        .order_by("pk")
    )
    return [
        f"tables changed: {', '.join(changed)}",
        *(f"audit: {e.action} {e.object_type}#{e.object_id} by {e.actor_label}" for e in events),
    ]
