"""Counting the overview's and national view's figures ahead (decision 0033).

`refresh_figures` is a job (the beat runs it every 15 minutes, and a page that finds
the figures stale asks for it): it counts every municipality's residents by status and
every indicator, per municipality, cohort, route and migrant group, and the capacity
view's expected demand, and stores them as one new snapshot in one transaction, so a reader sees the
old snapshot or the new one, never half of one. Two jobs never count at once: the
second finds the lock row taken and returns None. The two newest snapshots are kept
(a reader may still be summing the one before).
"""

from __future__ import annotations

import datetime
import time

from django.db import transaction
from django.utils import timezone

from examens import authz
from examens.audit import Actor, record_event
from examens.models import Candidate, Organisation

from ..demand_cells import demand_groups
from ..figures_models import DemandCell, FigureCell, FigureRefresh, FigureSnapshot
from ..figures_state import is_fresh, newest_snapshot, rules_fingerprint
from ..indicator_tables import Cell
from ..overview_indicators import indicator_cells
from ..status_counts import status_counts

KEEP = 2
STATUS = FigureCell.Measure.STATUS
BATCH = 5000


def _all_cells(day: datetime.date):
    """Every cell of a snapshot for `day`: statuses, then the indicators (nine queries)."""
    residents = Candidate.objects.filter(municipality__kind=Organisation.Kind.MUNICIPALITY)
    by = ["municipality", "cohort", "route_id", "asylum"]
    for municipality, cohort, route, asylum, status, n in status_counts(
        residents, by=by, today=day
    ):
        yield Cell((municipality, cohort, route, bool(asylum)), STATUS, status, 0, n)
    yield from indicator_cells(residents, today=day)


def _stored(snapshot: FigureSnapshot, cell: Cell) -> FigureCell:
    municipality, cohort, route, asylum = cell.group or (None, None, None, None)
    return FigureCell(
        snapshot=snapshot,
        municipality_id=municipality,
        cohort=cohort,
        route_id=route,
        asylum=asylum,
        measure=cell.measure,
        key=cell.key,
        slot=cell.slot,
        n=cell.n,
    )


def refresh_figures(
    *, actor: Actor, day: datetime.date | None = None, force: bool = False
) -> FigureSnapshot | None:
    """Count and store a new snapshot for `day` (today); a job only.

    Returns the fresh snapshot: the new one, or one that another job counted for the
    same day and rules while this one waited (unless `force`). None when another job is
    counting right now. Audits `monitoring.figures.refreshed` with the snapshot's size.
    """
    authz.require_job(actor)
    day = day or timezone.localdate()
    FigureRefresh.objects.get_or_create(pk=1)
    with transaction.atomic():
        lock = FigureRefresh.objects.select_for_update(skip_locked=True).filter(pk=1).first()
        if lock is None:
            return None
        rules = rules_fingerprint()
        newest = newest_snapshot()
        if not force and newest is not None and is_fresh(newest, day=day, rules=rules):
            return newest
        began = time.monotonic()
        lock.started_at = timezone.now()
        lock.save(update_fields=["started_at"])
        snapshot = FigureSnapshot.objects.create(taken_at=timezone.now(), day=day, rules=rules)
        stored = [_stored(snapshot, cell) for cell in _all_cells(day)]
        FigureCell.objects.bulk_create(stored, batch_size=BATCH)
        demand = [
            DemandCell(
                snapshot=snapshot,
                component_code=code,
                level=level,
                municipality_id=municipality,
                term_week=week,
                n=n,
            )
            for code, level, municipality, week, n in demand_groups(day)
        ]
        DemandCell.objects.bulk_create(demand, batch_size=BATCH)
        snapshot.cells = len(stored) + len(demand)
        snapshot.seconds = round(time.monotonic() - began, 3)
        snapshot.save(update_fields=["cells", "seconds"])
        kept = FigureSnapshot.objects.order_by("-taken_at", "-pk").values_list("pk", flat=True)
        old = list(kept[KEEP:])
        FigureSnapshot.objects.filter(pk__in=old).delete()
        record_event(
            actor,
            "monitoring.figures.refreshed",
            snapshot,
            data={
                "day": day.isoformat(),
                "cells": snapshot.cells,
                "seconds": snapshot.seconds,
                "pruned": len(old),
            },
        )
    return snapshot
