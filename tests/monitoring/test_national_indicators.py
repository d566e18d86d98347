"""The national view's indicators: every municipality summed, each table suppressed."""

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from examens.models import Candidate, Organisation
from monitoring.indicator_tables import (
    FIRST_BOOKING_BOUNDS,
    Buckets,
    ComponentRates,
    Extensions,
    Indicators,
    Turnaround,
    indicators_of,
)
from monitoring.national_indicators import published_indicators
from monitoring.overview import OverviewFilter, national_view
from monitoring.overview_indicators import indicator_cells
from tests.conftest import login_verified
from tests.examens.factories import AgencyFactory
from tests.monitoring.disclosure import _ranges

from .test_overview import TODAY, officer, town  # noqa: F401 - the fixture

counts = st.one_of(st.sampled_from([0, 1, 2, 9]), st.integers(0, 40))
codes = st.lists(st.sampled_from(["KNM", "LEZ", "LUI", "SCH", "SPR"]), unique=True, max_size=4)


@st.composite
def indicator_sets(draw):
    """Indicators as the figures give them: a component's results on time and late are
    its released results, the same ones the pass rates split by attempt and outcome."""

    def row(width):
        return [draw(counts) for _ in range(width)]

    rates = []
    for code in draw(codes):
        passed, failed, later_passed, later_failed = row(4)
        rates.append(
            ComponentRates(code, passed + failed, passed, later_passed + later_failed, later_passed)
        )
    turnaround = []
    for r in rates:
        released = r.first_sat + r.later_sat
        late = draw(st.integers(0, released))
        turnaround.append(Turnaround(r.component, released - late, late, draw(counts)))
    return Indicators(
        first_booking=Buckets(FIRST_BOOKING_BOUNDS, row(4), draw(counts)),
        pass_rates=rates,
        attempts={code: row(5) for code in draw(codes)},
        waits={code: row(4) for code in draw(codes)},
        turnaround=turnaround,
        extensions=Extensions([(g, draw(counts), 60) for g in ("effort", "medical")], 0),
    )


def truths(indicators: Indicators) -> dict[str, list[list[int]]]:
    """The true numbers of each published table, in its columns."""
    return {
        "first-booking": [
            [n] for n in [*indicators.first_booking.counts, indicators.first_booking.none]
        ],
        "pass-rates": [
            [r.first_sat, r.first_passed, r.later_sat, r.later_passed]
            for r in indicators.pass_rates
        ],
        "attempts": list(indicators.attempts.values()),
        "waits": list(indicators.waits.values()),
        "turnaround": [[t.on_time, t.late, t.overdue] for t in indicators.turnaround],
        "extensions": [[n] for _g, n, _d in indicators.extensions.by_ground],
    }


def counts_of(slug, cells):
    """The counts of a published row (pass rates: without the percentages)."""
    return [cells[i] for i in (0, 1, 3, 4)] if slug == "pass-rates" else cells


def pinned_across_tables(tables) -> list:
    """Hidden numbers a reader pins with what the page shows and the one identity
    between two tables: a component's sat (first + later) equals its results on time
    plus late. Hidden numbers are integers >= 1 (tests/monitoring/disclosure.py)."""
    places, equations = [], []

    def term(value, where, terms, sign):
        if isinstance(value, str):
            places.append(where)
            terms[len(places) - 1] = sign
            return 0
        return sign * value

    rates = {code: cells for code, cells in tables["pass-rates"].lines}
    for code, cells in tables["turnaround"].lines:
        if code not in rates:
            continue
        sat, later = rates[code][0], rates[code][3]
        terms: dict[int, int] = {}
        constant = term(sat, (code, "sat"), terms, 1) + term(later, (code, "later"), terms, 1)
        constant += term(cells[0], (code, "on time"), terms, -1)
        constant += term(cells[1], (code, "late"), terms, -1)
        equations.append((terms, constant))
    if not places:
        return []
    ranges = _ranges(equations, len(places))
    return [place for place, (low, high) in zip(places, ranges, strict=True) if low == high]


@settings(derandomize=True, deadline=None, max_examples=150, database=None)
@given(indicators=indicator_sets(), threshold=st.sampled_from([3, 10]))
def test_every_number_shown_is_true_none_is_small_and_none_hidden_is_pinned(indicators, threshold):
    tables = {t.slug: t for t in published_indicators(indicators, threshold=threshold)}
    for slug, truth in truths(indicators).items():
        lines = tables[slug].lines
        assert len(lines) == len(truth), slug
        for (_label, cells), true in zip(lines, truth, strict=True):
            for shown, n in zip(counts_of(slug, cells), true, strict=True):
                if isinstance(shown, str):
                    assert shown == f"<{threshold}", (slug, shown, n)
                    # On time and late are hidden together, a zero with them.
                    assert n >= 1 or slug == "turnaround", (slug, shown, n)
                elif slug == "pass-rates":
                    assert shown == n, (slug, shown, n)  # sums of shown counts may be small
                else:
                    assert shown == n, (slug, shown, n)
                    assert n == 0 or n >= threshold, (slug, shown, n)
    for _code, (sat, passed, rate, later, later_passed, later_rate) in tables["pass-rates"].lines:
        for s, p, r in ((sat, passed, rate), (later, later_passed, later_rate)):
            both = isinstance(s, int) and isinstance(p, int) and s
            assert r == (round(100 * p / s) if both else "–")
            if isinstance(s, int) and isinstance(p, int):
                assert p == 0 or p >= threshold
                assert s - p == 0 or s - p >= threshold  # the failed, which are not shown
    assert pinned_across_tables(tables) == []


def test_a_lone_small_count_takes_a_second_one_with_it():
    indicators = Indicators(
        Buckets(FIRST_BOOKING_BOUNDS, [40, 3, 25, 30], 12),
        [ComponentRates("LEZ", 40, 35, 12, 11)],  # 5 and 1 failed: never to be told
        {},
        {},
        [Turnaround("LEZ", 50, 2, 0)],
        Extensions([], 0),
    )
    tables = {t.slug: t for t in published_indicators(indicators, threshold=10)}

    first = [cells[0] for _label, cells in tables["first-booking"].lines]
    assert first.count("<10") == 2  # 3 alone could be told from the total
    assert first[1] == "<10"
    ((_code, rates),) = tables["pass-rates"].lines
    assert rates == ["<10", 35, "–", "<10", 11, "–"]  # sat less passed would be the failed
    ((_code, turnaround),) = tables["turnaround"].lines
    assert turnaround == ["<10", "<10", 0]  # 2 late: on time is hidden too


@pytest.mark.django_db
def test_the_national_indicators_are_every_municipality_summed(town, settings):  # noqa: F811
    settings.MONITORING_SUPPRESSION_THRESHOLD = 1  # nothing hidden: compare every number
    agency = officer(AgencyFactory())
    residents = Candidate.objects.filter(municipality__kind=Organisation.Kind.MUNICIPALITY)

    view = national_view(agency, filters=OverviewFilter())

    assert view.indicators == indicators_of(indicator_cells(residents, today=TODAY))
    assert view.indicators.first_booking.total == residents.count()


@pytest.mark.django_db
def test_the_national_page_shows_the_indicators_suppressed(client, town, settings):  # noqa: F811
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    login_verified(client, officer(AgencyFactory()))

    response = client.get(reverse("monitoring:national"))
    body = response.content.decode()

    assert response.status_code == 200
    assert "Pass rate per component" in body
    assert "Attempts used" in body
    assert [t.slug for t in response.context["indicators"]] == [
        "first-booking",
        "pass-rates",
        "attempts",
        "waits",
        "turnaround",
        "extensions",
    ]
    # Nine residents in all: every count is under 10, so none of them is shown.
    first = response.context["indicators"][0]
    assert all(cells[0] in (0, "<10") for _label, cells in first.lines)
    for person in town["people"].values():
        assert person.family_name not in body
