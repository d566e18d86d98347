"""When a result is due, and whether a late one extends the term. Pure functions."""

from __future__ import annotations

import datetime

RESULT_DUE_DAYS = 56  # 8 weeks (domain.md)
NT2_RESULT_DUE_DAYS = 42  # state exam NT2 (B1/B2 language exams): 6 weeks
NT2_LEVELS = ("B1", "B2")
LATE_RESULT_REGISTRATION_MARGIN_DAYS = 42  # registered more than 6 weeks before the term ends


def result_due_on(sat_on: datetime.date, *, level: str) -> datetime.date:
    """The last day on which the result of a sitting may be released."""
    days = NT2_RESULT_DUE_DAYS if level in NT2_LEVELS else RESULT_DUE_DAYS
    return sat_on + datetime.timedelta(days=days)


def late_result_extension_days(
    *,
    sat_on: datetime.date,
    level: str,
    released_on: datetime.date,
    registered_on: datetime.date,
    term_end: datetime.date,
) -> int:
    """Days of automatic term extension a late result earns (0: none).

    A result released after its due date, for a candidate who registered
    (booked) more than six weeks before the end of the term, extends the term
    by the days it was late.
    """
    due = result_due_on(sat_on, level=level)
    if released_on <= due:
        return 0
    margin = datetime.timedelta(days=LATE_RESULT_REGISTRATION_MARGIN_DAYS)
    if registered_on >= term_end - margin:
        return 0
    return (released_on - due).days
