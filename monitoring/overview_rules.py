"""The overview's statuses, and "at risk" as the at-risk list's rules (decision 0031).

"At risk" has one definition: a candidate matches an active `monitoring.AtRiskRule`
(`monitoring.at_risk.any_rule_q`), so the overview's at-risk count is the at-risk
list's count for the same residents and filters.
"""

from __future__ import annotations

import datetime

from django.db.models import Case, CharField, Q, Value, When

from .at_risk import active_rules, add_months, any_rule_q

__all__ = ["STATUSES", "add_months", "at_risk_q", "status_case"]

COMPLETED = "completed"
EXEMPTED = "exempted"
IN_PROGRESS = "in_progress"
AT_RISK = "at_risk"
EXPIRED = "expired"
STATUSES = (COMPLETED, EXEMPTED, IN_PROGRESS, AT_RISK, EXPIRED)


def at_risk_q(today: datetime.date) -> Q:
    """At risk, for a candidate queryset annotated by grading's `annotate_progress`: any
    active at-risk rule matches. Reads the rules (one query) when called."""
    return any_rule_q(active_rules(), today=today)


def status_case(today: datetime.date) -> Case:
    """The overview status of a candidate annotated by `annotate_progress`; the order is
    the order of the checks, so the statuses exclude each other. An ended term with
    something outstanding is "term expired" (the at-risk list shows it under its rule
    `term_expired`); "at risk" is the rest of what the at-risk rules flag."""
    return Case(
        When(whole_exemption=True, then=Value(EXEMPTED)),
        When(route_complete=True, then=Value(COMPLETED)),
        When(term_end__lt=today, then=Value(EXPIRED)),
        When(at_risk_q(today), then=Value(AT_RISK)),
        default=Value(IN_PROGRESS),
        output_field=CharField(),
    )
