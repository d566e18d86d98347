"""The weighting of expected demand: pure arithmetic, no database."""

import datetime
import random
from fractions import Fraction

from monitoring.demand import monday_of, ramp, spread, weeks_between

MONDAY = datetime.date(2027, 3, 1)


def test_a_requirement_is_one_seat_spread_over_the_weeks_before_its_term_end():
    weights = ramp(9, horizon=20, norm_weeks=4)

    assert sum(weights) == 1
    assert all(weight > 0 for weight in weights[:10])
    assert weights[10:] == [0] * 10


def test_weeks_nearer_the_term_end_weigh_more():
    weights = ramp(5, horizon=6, norm_weeks=4)

    assert weights == sorted(weights)
    assert weights[-1] == 6 * weights[0]


def test_an_overdue_requirement_is_spread_evenly_over_the_norm_weeks():
    weights = ramp(-3, horizon=6, norm_weeks=4)

    assert weights == [Fraction(1, 4)] * 4 + [0, 0]


def test_a_term_ending_this_week_wants_its_seat_this_week():
    assert ramp(0, horizon=3, norm_weeks=4) == [1, 0, 0]


def test_week_index_counts_iso_weeks_from_the_first_monday():
    assert monday_of(datetime.date(2027, 3, 7)) == MONDAY
    assert weeks_between(MONDAY, datetime.date(2027, 3, 7)) == 0
    assert weeks_between(MONDAY, datetime.date(2027, 3, 8)) == 1
    assert weeks_between(MONDAY, datetime.date(2027, 2, 28)) == -1


def test_spread_is_the_sum_of_each_groups_ramp_times_its_count():
    rng = random.Random(15)
    groups = [
        (
            rng.choice(["LEZ", "KNM", "SPR"]),
            MONDAY + datetime.timedelta(days=rng.randint(-60, 400)),
            rng.randint(1, 9),
        )
        for _ in range(300)
    ]

    got = spread(groups, first_monday=MONDAY, horizon=12, norm_weeks=4)

    expected: dict = {}
    for key, term_end, count in groups:
        row = expected.setdefault(key, [Fraction(0)] * 12)
        for i, weight in enumerate(ramp(weeks_between(MONDAY, term_end), horizon=12, norm_weeks=4)):
            row[i] += weight * count
    assert got == expected


def test_spread_of_requirements_within_the_horizon_adds_up_to_their_count():
    groups = [("LEZ", MONDAY + datetime.timedelta(weeks=w), 3) for w in range(5)]
    groups.append(("LEZ", MONDAY - datetime.timedelta(days=10), 2))

    got = spread(groups, first_monday=MONDAY, horizon=8, norm_weeks=4)

    assert sum(got["LEZ"]) == 5 * 3 + 2
