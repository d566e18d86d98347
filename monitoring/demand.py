"""How an outstanding requirement turns into expected demand for seats, week by week.

Pure arithmetic, no database (decision 0015). A candidate who still has to pass a
component and holds no seat for it will want one before the term ends; when is not
known, so each such requirement is spread over the weeks left before its term end,
with more weight near the end (people leave it late, and the last weeks are the
ones that cannot slip):

- weeks are counted from the current ISO week (index 0) to the week holding the
  term end (index `e`); there are `n = e + 1` of them;
- week `i` (0 <= i <= e) gets weight `2 (i + 1) / (n (n + 1))`: a straight ramp
  that sums to exactly 1 over the `n` weeks, so one requirement is one seat;
- a term that has already ended (`e < 0`) is overdue: its seat is wanted now, and the
  norm says a candidate should sit within the norm's weeks, so it is spread evenly
  over the first `norm_weeks` weeks;
- only the first `horizon` weeks are returned: the rest of a requirement's weight
  falls later.

Weights are exact fractions; callers round for display only.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Hashable, Iterable
from fractions import Fraction


def monday_of(day: datetime.date) -> datetime.date:
    """The Monday that starts the ISO week holding `day`."""
    return day - datetime.timedelta(days=day.weekday())


def weeks_between(first_monday: datetime.date, day: datetime.date) -> int:
    """The index of the ISO week holding `day`, counted from the week of `first_monday`
    (0 for that week, negative before it)."""
    return (monday_of(day) - first_monday).days // 7


def ramp(term_end_index: int, *, horizon: int, norm_weeks: int) -> list[Fraction]:
    """The weights of one requirement over the first `horizon` weeks (see the module)."""
    if term_end_index < 0:
        spread = max(1, norm_weeks)
        return [Fraction(1, spread) if i < spread else Fraction(0) for i in range(horizon)]
    n = term_end_index + 1
    total = n * (n + 1)
    return [Fraction(2 * (i + 1), total) if i < n else Fraction(0) for i in range(horizon)]


def spread(
    groups: Iterable[tuple[Hashable, datetime.date, int]],
    *,
    first_monday: datetime.date,
    horizon: int,
    norm_weeks: int,
) -> dict[Hashable, list[Fraction]]:
    """Expected seats per key and week from `(key, term_end, count)` groups: the sum of
    `count` times `ramp(...)` of each group, computed without a fraction per group.

    Requirements of one key whose terms end in the same week share a ramp, and a ramp
    is `2 (i + 1) / (n (n + 1))` for the weeks `i < n`: so each key keeps integer
    counts per `n` (and of the overdue), and the weights come from integer sums over
    one common denominator. The work grows with the number of distinct (key, week)
    groups, not with the number of candidates.
    """
    counts: dict[Hashable, dict[int, int]] = {}
    overdue: dict[Hashable, int] = {}
    for key, term_end, count in groups:
        index = weeks_between(first_monday, term_end)
        if index < 0:
            overdue[key] = overdue.get(key, 0) + count
            counts.setdefault(key, {})
        else:
            by_n = counts.setdefault(key, {})
            by_n[index + 1] = by_n.get(index + 1, 0) + count
    denominator = math.lcm(1, *{n * (n + 1) for by_n in counts.values() for n in by_n})
    norm_weeks = max(1, norm_weeks)
    out: dict[Hashable, list[Fraction]] = {}
    for key, by_n in counts.items():
        # share[i]: the numerator (over `denominator`) of sum c_n / (n (n + 1)) for n > i.
        share = [0] * horizon
        for n, count in by_n.items():
            numerator = count * (denominator // (n * (n + 1)))
            for i in range(min(n, horizon)):
                share[i] += numerator
        late = overdue.get(key, 0)
        out[key] = [
            Fraction(2 * (i + 1) * share[i], denominator)
            + (Fraction(late, norm_weeks) if i < norm_weeks else 0)
            for i in range(horizon)
        ]
    return out
