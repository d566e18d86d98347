"""The overview's pure parts: month arithmetic and the chart geometry."""

import datetime
from decimal import Decimal

from monitoring.overview_chart import LEFT, RIGHT, WIDTH, status_bars
from monitoring.overview_rules import add_months

TODAY = datetime.date(2026, 8, 31)


def test_six_months_on_from_the_end_of_august_is_the_end_of_february():
    assert add_months(TODAY, 6) == datetime.date(2027, 2, 28)
    assert add_months(datetime.date(2026, 1, 15), 12) == datetime.date(2027, 1, 15)


def test_the_bars_are_stacked_in_status_order_and_a_hidden_count_has_no_length():
    chart = status_bars([("2024", [10, 0, 5, "<10", 5]), ("2025", [1, 1, 1, 1, 1])])
    first = chart.lines[0].segments

    assert first[0].x == Decimal(LEFT)
    assert first[2].x == first[1].x + first[1].width  # a zero adds nothing
    assert first[1].width == 0
    assert first[3].width == 0
    assert first[4].x + first[4].width <= WIDTH - RIGHT
    assert chart.ticks[-1].value == 20  # 20 people at most, a nice top
    assert first[3].label == "Risico"  # the default language, Dutch
