"""Capacity selectors on known data: seats, demand, weeks over capacity, waits."""

import datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from examens.audit import SystemActor
from examens.models import Decision
from monitoring.capacity import CapacityQuery, capacity
from monitoring.capacity_waits import median_waits
from monitoring.figures_models import DemandCell
from monitoring.services import refresh_figures
from scheduling.models import Booking, ExamSession, WaitingListEntry
from tests.examens.factories import (
    CandidateFactory,
    CentreFactory,
    OrganisationFactory,
    UserFactory,
    component,
)
from tests.grading.factories import BookingFactory
from tests.grading.factories import SessionFactory as PastSessionFactory

from .capacity_factories import session_in, sitting, this_monday

pytestmark = pytest.mark.django_db


@pytest.fixture
def utrecht():
    return CentreFactory(city="Utrecht", organisation=OrganisationFactory(name="Utrecht"))


def row_of(result, code="LEZ", level="B1", region="Utrecht"):
    return next(r for r in result.rows if (r.component, r.level, r.region) == (code, level, region))


def test_seats_published_are_capacity_minus_held_and_taken_are_the_booked(utrecht):
    session_in(1, centre=utrecht, capacity=10, held_count=2, booked_count=3)
    session_in(1, centre=utrecht, capacity=5)
    session_in(2, centre=utrecht, capacity=7, booked_count=7)
    session_in(1, centre=utrecht, capacity=9, status=ExamSession.Status.DRAFT)
    session_in(1, centre=utrecht, capacity=9, status=ExamSession.Status.CANCELLED)

    weeks = row_of(capacity(CapacityQuery(weeks=4))).weeks

    assert [w.starts_on for w in weeks] == [
        this_monday() + datetime.timedelta(weeks=i) for i in range(4)
    ]
    assert [(w.seats_published, w.seats_taken, w.seats_free) for w in weeks] == [
        (0, 0, 0),
        (13, 3, 10),
        (7, 7, 0),
        (0, 0, 0),
    ]


def test_rows_are_per_component_level_and_centre_city(utrecht):
    session_in(1, centre=utrecht)
    session_in(1, centre=CentreFactory(city="Zeist"))

    result = capacity(CapacityQuery(weeks=2))

    assert [(r.component, r.level, r.region) for r in result.rows] == [
        ("LEZ", "B1", "Utrecht"),
        ("LEZ", "B1", "Zeist"),
    ]


def test_the_region_filter_reads_city_or_organisation_like_the_availability_api(utrecht):
    session_in(1, centre=utrecht)
    session_in(1, centre=CentreFactory(city="Zeist", organisation=OrganisationFactory(name="Ede")))

    by_city = capacity(CapacityQuery(region="zeist", weeks=2))
    by_organisation = capacity(CapacityQuery(region="EDE", weeks=2))

    assert [r.region for r in by_city.rows] == ["Zeist"]
    assert [r.region for r in by_organisation.rows] == ["Zeist"]


def test_waiting_list_entries_are_demand_in_the_first_week_and_flag_it(utrecht):
    session_in(0, centre=utrecht, capacity=2, day=0, hour=0)
    for _ in range(3):
        WaitingListEntry.objects.create(
            candidate=CandidateFactory(), component=component("LEZ"), centre=utrecht, level="B1"
        )
    WaitingListEntry.objects.create(
        candidate=CandidateFactory(),
        component=component("LEZ"),
        centre=utrecht,
        level="B1",
        status=WaitingListEntry.Status.OFFERED,  # holds a seat already: not demand
    )

    row = row_of(capacity(CapacityQuery(weeks=3)))

    first, second, _third = row.weeks
    assert first.demand == 3
    assert first.over_capacity
    assert first.shortfall == Decimal("1.0")
    assert not second.over_capacity
    assert row.weeks_over == 1


def test_outstanding_requirements_are_demand_spread_over_the_weeks_before_the_term_ends(utrecht):
    term_end = this_monday() + datetime.timedelta(weeks=1, days=3)  # in the second week
    resident = {"municipality": utrecht.organisation, "term_end": term_end}
    CandidateFactory(**resident)
    CandidateFactory(**resident)
    exempted = CandidateFactory(**resident)
    Decision.objects.create(
        candidate=exempted,
        kind=Decision.Kind.EXEMPTION,
        ground=Decision.Ground.MEDICAL,
        component=component("LEZ"),
        decided_on=datetime.date(2025, 2, 1),
        decided_by=UserFactory(),
        decided_for=utrecht.organisation,
        reason="t",
    )
    booked = CandidateFactory(**resident)
    BookingFactory(
        candidate=booked, session=session_in(1, centre=utrecht), status=Booking.Status.BOOKED
    )

    result = capacity(CapacityQuery(weeks=4))
    weeks = row_of(result).weeks

    # Two candidates still need LEZ B1; each requirement is one seat, spread over the
    # two weeks before the term ends with more weight near the end (1/3, 2/3).
    assert [w.expected for w in weeks] == [Fraction(2, 3), Fraction(4, 3), 0, 0]
    # KNM: all four (the exemption and the booking are for LEZ only).
    assert sum(w.expected for w in row_of(result, code="KNM", level="").weeks) == 4
    assert not [r for r in result.rows if r.component in ("PVT", "MAP")]  # signed off, no seats


def test_terms_ended_in_different_weeks_are_stored_as_one_overdue_cell_and_spread_alike(
    utrecht, settings
):
    settings.CAPACITY_WAIT_NORM_DAYS = 28
    monday = this_monday()
    for weeks_ago in (1, 3, 40, 300):  # four different weeks, all before this one
        term_end = monday - datetime.timedelta(weeks=weeks_ago, days=-2)
        CandidateFactory(
            municipality=utrecht.organisation,
            term_start=term_end - datetime.timedelta(days=3 * 365),
            term_end=term_end,
        )
    ending = CandidateFactory(
        municipality=utrecht.organisation, term_end=monday + datetime.timedelta(days=2)
    )

    snapshot = refresh_figures(actor=SystemActor("test"), force=True)
    cells = DemandCell.objects.filter(snapshot=snapshot, component_code="LEZ", level="B1")
    weeks = row_of(capacity(CapacityQuery(weeks=6))).weeks

    assert sorted((c.term_week, c.n) for c in cells) == [
        (monday - datetime.timedelta(weeks=1), 4),
        (monday, 1),
    ]
    # The four overdue seats over the four norm weeks; the term ending this week wants
    # its seat this week.
    assert [w.expected for w in weeks] == [2, 1, 1, 1, 0, 0]
    assert ending.term_end >= monday


def test_a_week_with_enough_seats_is_not_over_capacity(utrecht):
    session_in(1, centre=utrecht, capacity=4, booked_count=4)

    week = row_of(capacity(CapacityQuery(weeks=2))).weeks[1]

    assert week.demand == week.seats_published == 4
    assert not week.over_capacity


def test_first_free_seat_within_and_over_the_four_week_norm(utrecht, settings):
    settings.CAPACITY_WAIT_NORM_DAYS = 28
    session_in(1, centre=utrecht)  # at most 16 days from now
    zeist = CentreFactory(city="Zeist")
    session_in(1, centre=zeist, capacity=3, booked_count=3)  # full: no free seat
    session_in(7, centre=zeist)  # 44 days or more from now
    ede = CentreFactory(city="Ede")
    session_in(1, centre=ede, capacity=2, held_count=1, booked_count=1)  # full by the offer

    result = capacity(CapacityQuery(weeks=2))

    near, far, none = row_of(result), row_of(result, region="Zeist"), row_of(result, region="Ede")
    assert near.first_free.wait_days <= 16
    assert not near.first_free.over_norm
    assert far.first_free.wait_days >= 44
    assert far.first_free.over_norm
    assert none.first_free.starts_at is None
    assert none.first_free.over_norm


def test_the_norm_is_a_setting(utrecht, settings):
    session_in(7, centre=utrecht)
    settings.CAPACITY_WAIT_NORM_DAYS = 60

    row = row_of(capacity(CapacityQuery(weeks=1)))

    assert row.first_free.norm_days == 60
    assert not row.first_free.over_norm


def past_session(centre, days_ago, **kwargs):
    starts_at = timezone.now() - datetime.timedelta(days=days_ago)
    return PastSessionFactory(
        room__centre=centre,
        starts_at=starts_at,
        booking_closes_at=starts_at - datetime.timedelta(days=2),
        **kwargs,
    )


def test_median_real_wait_per_centre_is_the_middle_sitting_or_the_mean_of_two(utrecht):
    odd = past_session(utrecht, 5)
    for waited in (10, 40, 20):
        sitting(odd, waited_days=waited)
    zeist = CentreFactory(city="Zeist", name="Zeist Examenhuis")
    even = past_session(zeist, 5)
    for waited in (10, 31, 50, 5):
        sitting(even, waited_days=waited)
    cancelled = sitting(odd, waited_days=300)
    Booking.objects.filter(pk=cancelled.pk).update(status=Booking.Status.CANCELLED)
    sitting(past_session(utrecht, 400), waited_days=300)  # before the look-back window

    waits = {w.city: w for w in median_waits(CapacityQuery())}

    assert (waits["Utrecht"].sittings, waits["Utrecht"].median_days) == (3, Decimal("20.0"))
    assert (waits["Zeist"].sittings, waits["Zeist"].median_days) == (4, Decimal("20.5"))
    assert not waits["Utrecht"].over_norm
    assert median_waits(CapacityQuery(region="Zeist"))[0].centre == "Zeist Examenhuis"


def test_median_wait_over_the_norm_is_flagged(utrecht, settings):
    settings.CAPACITY_WAIT_NORM_DAYS = 28
    sitting(past_session(utrecht, 3), waited_days=29)

    (wait,) = median_waits(CapacityQuery())

    assert wait.over_norm


def _world(size: int) -> None:
    for i in range(size):
        centre = CentreFactory(city=f"Stad{i % 3}")
        session = session_in(1 + i % 4, centre=centre, capacity=5 + i)
        WaitingListEntry.objects.create(
            candidate=CandidateFactory(), component=component("LEZ"), centre=centre, level="B1"
        )
        sitting(past_session(centre, 3 + i), waited_days=7 + i)
        sitting(past_session(centre, 4 + i), waited_days=9 + i)
        del session


def _queries() -> int:
    """The view's statements over fresh stored figures (the count itself is the job's)."""
    refresh_figures(actor=SystemActor("capacity-test"), force=True)
    with CaptureQueriesContext(connection) as captured:
        result = capacity(CapacityQuery(weeks=6))
        waits = median_waits(CapacityQuery())
    assert result.rows
    assert waits
    return len(captured)


def test_query_count_does_not_grow_with_the_data(settings):
    settings.MONITORING_FIGURES_MAX_AGE = 3600
    _world(3)
    small = _queries()
    _world(6)

    assert _queries() == small
