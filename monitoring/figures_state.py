"""Whether a snapshot of the stored figures is fresh (decision 0033)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone

from .at_risk import active_rules
from .figures_models import FigureSnapshot


def max_age() -> int:
    """Seconds a snapshot stays fresh (0: always count again)."""
    return settings.MONITORING_FIGURES_MAX_AGE


def rules_fingerprint() -> str:
    """The active at-risk rules as counted ("kind:parameter;..."): a snapshot counted
    with other rules is stale, so the overview's "at risk" stays the at-risk list's."""
    return ";".join(f"{rule.kind}:{rule.parameter or ''}" for rule in active_rules())


def is_fresh(snapshot: FigureSnapshot, *, day: datetime.date, rules: str) -> bool:
    age = (timezone.now() - snapshot.taken_at).total_seconds()
    return snapshot.day == day and snapshot.rules == rules and age < max_age()


def newest_snapshot() -> FigureSnapshot | None:
    return FigureSnapshot.objects.order_by("-taken_at", "-pk").first()
