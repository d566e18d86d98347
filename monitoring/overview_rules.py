"""The overview's status of a candidate, as one pure rule and the same rule as SQL.

Until the at-risk rules are data (m-atrisk), "at risk" is: the term ends within
AT_RISK_MONTHS months from today and blocking requirements are outstanding.
`is_at_risk` and `at_risk_q` state the same rule; switch both when the rules land.
"""

from __future__ import annotations

import calendar
import datetime

from django.db.models import Q

AT_RISK_MONTHS = 6

COMPLETED = "completed"
EXEMPTED = "exempted"
IN_PROGRESS = "in_progress"
AT_RISK = "at_risk"
EXPIRED = "expired"
STATUSES = (COMPLETED, EXEMPTED, IN_PROGRESS, AT_RISK, EXPIRED)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, clamped to the month's last day (31 Aug + 6 = 28 Feb)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def at_risk_horizon(today: datetime.date) -> datetime.date:
    return add_months(today, AT_RISK_MONTHS)


def is_at_risk(*, term_end: datetime.date, outstanding: int, today: datetime.date) -> bool:
    """At risk: something blocking is outstanding and the term ends in [today, horizon)."""
    return outstanding > 0 and today <= term_end < at_risk_horizon(today)


def status_of(
    *,
    whole_exemption: bool,
    complete: bool,
    outstanding: int,
    term_end: datetime.date,
    today: datetime.date,
) -> str:
    """One candidate's overview status; the order is the order of the checks."""
    if whole_exemption:
        return EXEMPTED
    if complete:
        return COMPLETED
    if term_end < today:
        return EXPIRED
    if is_at_risk(term_end=term_end, outstanding=outstanding, today=today):
        return AT_RISK
    return IN_PROGRESS


def at_risk_q(today: datetime.date) -> Q:
    """`is_at_risk` for a candidate queryset annotated by grading's annotate_progress."""
    return Q(
        requirements_outstanding__gt=0,
        term_end__gte=today,
        term_end__lt=at_risk_horizon(today),
    )
