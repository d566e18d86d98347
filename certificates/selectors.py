"""Reads of certificates that views, tasks and the published documents rely on."""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterator

from django.conf import settings
from django.core.cache import cache
from django.db.models import Max, QuerySet
from django.urls import reverse
from django.utils import timezone

from examens.audit import SYSTEM
from examens.models import Component, Route
from grading.models import Result

from .cache import KEYS_KEY, pending_verifications, register_entry
from .keys import load_private_key
from .models import Certificate, IssuingSweep, SigningKey
from .payload import decode_token, public_key_from_text, sign_document
from .pdf import PrintedCertificate
from .services import ISSUING_SWEEP, current_signing_key
from .verification import (
    Outcome,
    PublishedKey,
    StatusEntry,
    VerificationResult,
    reason_label,
    verify_token,
)

KEYS_CACHE_KEY = KEYS_KEY
KEYS_CACHE_SECONDS = 60
# Each worker process keeps the parsed keys this long before asking the shared cache again;
# an unknown key id rereads them at most once per KEYS_REFRESH_SECONDS (a key just rotated in).
KEYS_PROCESS_SECONDS = 10
KEYS_REFRESH_SECONDS = 1.0
PENDING_BATCH = 500

_process_keys: tuple[float, dict[str, PublishedKey]] = (0.0, {})
_last_refresh = 0.0


def verification_url(payload: str) -> str:
    return settings.SITE_URL + reverse("certificates:verify", args=[payload])


def printed_certificate(certificate: Certificate) -> PrintedCertificate:
    """What the PDF shows: the signed data plus the catalogue's names for its codes."""
    data = decode_token(certificate.payload).data
    route = Route.objects.select_related("regime").get(pk=certificate.route_id)
    codes = [item.code for item in data.components]
    names = {c.code: (c.name_nl, c.name_en) for c in Component.objects.filter(code__in=codes)}
    return PrintedCertificate(
        data=data,
        verification_url=verification_url(certificate.payload),
        regime_name_nl=route.regime.name_nl,
        regime_name_en=route.regime.name_en,
        route_name_nl=route.name_nl,
        route_name_en=route.name_en,
        component_names=tuple((code, *names.get(code, (code, code))) for code in codes),
        issued_by_municipality=route.issued_by_municipality,
    )


# --- keys and status, as published -------------------------------------------------------


def _key_row(key: SigningKey) -> dict:
    return {
        "key_id": key.key_id,
        "alg": "Ed25519",
        "public_key": key.public_key,
        "valid_from": key.valid_from.isoformat(),
        "valid_until": key.valid_until.isoformat() if key.valid_until else None,
    }


def public_keys_document() -> dict:
    """Every key that ever signed, with its window: what offline verifiers need."""
    return {
        "issuer": settings.SITE_URL,
        "keys": [_key_row(key) for key in SigningKey.objects.order_by("valid_from", "pk")],
    }


def published_keys() -> dict[str, PublishedKey]:
    """The keys as verification objects, cached briefly (a rotation shows within a minute).

    Two levels: the parsed keys per worker process for `KEYS_PROCESS_SECONDS`,
    over the rows in the shared cache for `KEYS_CACHE_SECONDS`.
    """
    global _process_keys
    expires, keys = _process_keys
    now = time.monotonic()
    if now < expires:
        return keys
    rows = cache.get(KEYS_CACHE_KEY)
    if rows is None:
        rows = [_key_row(key) for key in SigningKey.objects.all()]
        cache.set(KEYS_CACHE_KEY, rows, KEYS_CACHE_SECONDS)
    keys = {
        row["key_id"]: PublishedKey(
            key_id=row["key_id"],
            public_key=public_key_from_text(row["public_key"]),
            valid_from=_dt(row["valid_from"]),
            valid_until=_dt(row["valid_until"]) if row["valid_until"] else None,
        )
        for row in rows
    }
    _process_keys = (now + KEYS_PROCESS_SECONDS, keys)
    return keys


def forget_published_keys() -> None:
    """Drop this process's parsed keys; the next use reads the shared cache (tests use this)."""
    global _process_keys
    _process_keys = (0.0, {})


def _may_refresh_keys() -> bool:
    global _last_refresh
    now = time.monotonic()
    if now - _last_refresh < KEYS_REFRESH_SECONDS:
        return False
    _last_refresh = now
    return True


def _dt(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text)


def not_valid_certificates() -> QuerySet[Certificate]:
    return Certificate.objects.exclude(status=Certificate.Status.VALID).order_by("serial")


def status_list_document() -> dict:
    """The signed list of suspended and revoked serials, with the reason code, its label
    and the date. Never the internal free text. Never cached."""
    key = current_signing_key(actor=SYSTEM)
    entries = [
        {
            "serial": serial,
            "status": status,
            "reason": reason_code,
            "reason_label": reason_label(reason_code),
            "since": timezone.localdate(changed).isoformat() if changed else None,
        }
        for serial, status, reason_code, changed in not_valid_certificates().values_list(
            "serial", "status", "status_reason_code", "status_changed_at"
        )
    ]
    document = {
        "issuer": settings.SITE_URL,
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "entries": entries,
    }
    return sign_document(
        document, key_id=key.key_id, private_key=load_private_key(key.private_key_file)
    )


# --- online verification -----------------------------------------------------------------


def verify_online(token: str, *, count: bool = False) -> tuple[VerificationResult, int | None]:
    """Check a token against the published keys and the live register.

    Returns the result and the id of the certificate it names (None when the
    token is not ours or the serial is not in the register). The status comes
    through the shared cache, which every status change overwrites on commit.
    With `count`, a token that reaches the register (valid, suspended or
    revoked: signed by us, in its key's window, a known serial) adds one
    verification to the certificate's count in the same cache round trip, the
    way `services.count_verification` does.
    """
    found: list[int] = []

    def lookup(serial: str) -> StatusEntry | None:
        entry = register_entry(serial, count=count)
        if entry is None:
            return None
        found.append(entry.certificate_id)
        return entry.status

    result = verify_token(token, keys=published_keys(), register_lookup=lookup)
    if result.outcome == Outcome.UNKNOWN_KEY and _may_refresh_keys():
        forget_published_keys()  # a rotation deletes the shared copy on commit
        result = verify_token(token, keys=published_keys(), register_lookup=lookup)
    return result, (found[0] if found else None)


# --- verification counts -----------------------------------------------------------------


def verification_count(certificate: Certificate) -> int:
    """How often the certificate was verified: the database count plus the pending scans."""
    pending = pending_verifications([certificate.serial]).get(certificate.serial, 0)
    return certificate.verification_count + pending


def certificates_with_pending_verifications() -> Iterator[int]:
    """Ids of certificates with scans not yet in the database, in id order.

    Reads only ids from the database, then asks the cache in batches.
    """
    rows = Certificate.objects.order_by("pk").values_list("pk", "serial")
    batch: dict[str, int] = {}
    for certificate_id, serial in rows.iterator(chunk_size=PENDING_BATCH):
        batch[serial] = certificate_id
        if len(batch) == PENDING_BATCH:
            yield from sorted(batch[serial] for serial in pending_verifications(list(batch)))
            batch = {}
    if batch:
        yield from sorted(batch[serial] for serial in pending_verifications(list(batch)))


# --- the sweep that finishes what a lost or failed issuing task left undone ---------------


def certificates_awaiting_storage(*, issued_before: datetime.datetime) -> list[int]:
    """Ids of live certificates issued before `issued_before` whose PDF is not stored, oldest
    first. A revoked certificate is left alone: no holder will download it."""
    return list(
        Certificate.objects.filter(stored_at__isnull=True, issued_at__lte=issued_before)
        .exclude(status=Certificate.Status.REVOKED)
        .order_by("issued_at", "pk")
        .values_list("pk", flat=True)
    )


def issuing_sweep_mark() -> datetime.datetime | None:
    """Up to when the sweep has checked released results; None before its first run."""
    return (
        IssuingSweep.objects.filter(name=ISSUING_SWEEP)
        .values_list("checked_until", flat=True)
        .first()
    )


def candidates_to_check_for_issuing(
    *, released_after: datetime.datetime, released_until: datetime.datetime
) -> list[int]:
    """Candidates whose route a release in (`released_after`, `released_until`] may have
    completed and who have no live certificate issued since that release.

    Only passing, current, released results can complete a route (a correction
    that breaks one revokes at once, without a task). Oldest release first.
    Whether the route is complete is for `issue_certificate` to decide.
    """
    latest = dict(
        Result.objects.filter(
            status=Result.Status.RELEASED,
            is_current=True,
            outcome__in=Result.PASSING_OUTCOMES,
            released_at__gt=released_after,
            released_at__lte=released_until,
        )
        .values("candidate_id")
        .annotate(last=Max("released_at"))
        .values_list("candidate_id", "last")
    )
    issued = dict(
        Certificate.objects.filter(candidate_id__in=list(latest))
        .exclude(status=Certificate.Status.REVOKED)
        .values("candidate_id")
        .annotate(newest=Max("issued_at"))
        .values_list("candidate_id", "newest")
    )
    waiting = [
        (last, candidate_id)
        for candidate_id, last in latest.items()
        if candidate_id not in issued or issued[candidate_id] < last
    ]
    return [candidate_id for _last, candidate_id in sorted(waiting)]
