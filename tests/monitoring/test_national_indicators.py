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

from .test_overview import TODAY, officer, town  # noqa: F401 - the fixture

counts = st.one_of(st.sampled_from([0, 1, 2, 9]), st.integers(0, 40))
codes = st.lists(st.sampled_from(["KNM", "LEZ", "LUI", "SCH", "SPR"]), unique=True, max_size=4)


@st.composite
def indicator_sets(draw):
    def row(width):
        return [draw(counts) for _ in range(width)]

    return Indicators(
        first_booking=Buckets(FIRST_BOOKING_BOUNDS, row(4), draw(counts)),
        pass_rates=[ComponentRates(code, *row(4)) for code in draw(codes)],
        attempts={code: row(5) for code in draw(codes)},
        waits={code: row(4) for code in draw(codes)},
        turnaround=[Turnaround(code, *row(3)) for code in draw(codes)],
        extensions=Extensions([(g, draw(counts), 60) for g in ("effort", "medical")], 0),
    )


def truths(indicators: Indicators) -> dict[str, list[list[int]]]:
    """The true counts of each published table, in its order (pass rates: the counts)."""
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


@settings(derandomize=True, deadline=None, max_examples=150, database=None)
@given(indicators=indicator_sets(), threshold=st.sampled_from([3, 10]))
def test_every_number_shown_is_true_and_none_is_small(indicators, threshold):
    tables = {t.slug: t for t in published_indicators(indicators, threshold=threshold)}
    for slug, truth in truths(indicators).items():
        lines = tables[slug].lines
        if slug == "pass-rates":
            rates = [[cells[i] for i in (2, 5)] for _label, cells in lines]
            lines = [(label, [cells[i] for i in (0, 1, 3, 4)]) for label, cells in lines]
            for (sat, passed, later, later_passed), shown in zip(
                [cells for _l, cells in lines], rates, strict=True
            ):
                for (s, p), rate in zip([(sat, passed), (later, later_passed)], shown, strict=True):
                    both = isinstance(s, int) and isinstance(p, int) and s
                    assert rate == (round(100 * p / s) if both else "–")
        assert len(lines) == len(truth), slug
        for (_label, cells), true in zip(lines, truth, strict=True):
            for shown, n in zip(cells, true, strict=True):
                if isinstance(shown, str):
                    assert shown == f"<{threshold}", (slug, shown, n)
                    assert n >= 1, (slug, shown, n)
                else:
                    assert shown == n, (slug, shown, n)
                    assert n == 0 or n >= threshold, (slug, shown, n)


def test_a_lone_small_count_takes_a_second_one_with_it():
    indicators = Indicators(
        Buckets(FIRST_BOOKING_BOUNDS, [40, 3, 25, 30], 12),
        [ComponentRates("LEZ", 30, 4, 20, 15)],
        {},
        {},
        [],
        Extensions([], 0),
    )
    tables = {t.slug: t for t in published_indicators(indicators, threshold=10)}

    first = [cells[0] for _label, cells in tables["first-booking"].lines]
    assert first.count("<10") == 2  # 3 alone could be told from the total
    assert first[1] == "<10"
    ((_code, rates),) = tables["pass-rates"].lines
    assert rates[1] == "<10"
    assert rates[2] == "–"  # no percentage of a hidden count


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
