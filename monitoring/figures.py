"""Which stored figures a page reads (decision 0033).

`current(day)` is the newest snapshot when it is fresh: counted for `day`, with the
at-risk rules now active, less than MONITORING_FIGURES_MAX_AGE seconds ago. Otherwise
it asks for a count (`refresh_figures_task`, at most once per max age): in embedded
mode the task runs at once and the page reads the new snapshot; in services mode a
worker counts, and the page reads the older snapshot meanwhile, saying when it was
counted, or None when nothing was ever counted.
"""

from __future__ import annotations

import datetime

from django.core.cache import cache

from .figures_models import FigureSnapshot
from .figures_state import is_fresh, max_age, newest_snapshot, rules_fingerprint
from .tasks import refresh_figures_task


def current(day: datetime.date) -> tuple[FigureSnapshot | None, bool]:
    """(the snapshot to read, whether it is fresh)."""
    rules = rules_fingerprint()
    newest = newest_snapshot()
    if newest is None or not is_fresh(newest, day=day, rules=rules):
        request_refresh(day, rules)
        newest = newest_snapshot()
    return newest, newest is not None and is_fresh(newest, day=day, rules=rules)


def refresh_key(day: datetime.date, rules: str) -> str:
    """The cache key that marks a count for `day` and `rules` as asked for."""
    return f"monitoring:figures:{day.isoformat()}:{rules}"


def request_refresh(day: datetime.date, rules: str) -> None:
    """Queue one count for `day` and `rules`; asked again within the max age, nothing."""
    age = max_age()
    if age and not cache.add(refresh_key(day, rules), 1, timeout=age):
        return
    refresh_figures_task.delay(day.isoformat())
