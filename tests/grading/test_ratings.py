"""record_rating and qualifications: who may rate, blind double rating, adjudication."""

import datetime

import pytest
from django.utils import timezone

from examens.models import AuditEvent, Role
from grading.exceptions import AlreadyRated, GradingError, NotQualified, RatingNotNeeded
from grading.models import ExaminerQualification, Rating, Result
from grading.selectors import ratings_visible_to
from grading.services import grant_qualification, record_rating, withdraw_qualification
from scheduling.models import Booking, SessionStaff
from tests.conftest import fresh_factor
from tests.examens.factories import MembershipFactory, OrganisationFactory, UserFactory, component
from tests.grading.factories import examiner, rated_booking

pytestmark = pytest.mark.django_db

# SPR-B1-2026A: max 40, seeded rubric task 14 / vocabulary 13 / grammar 13, tolerance 3


def points(task, vocabulary, grammar):
    return {"task": task, "vocabulary": vocabulary, "grammar": grammar}


@pytest.fixture
def booking():
    return rated_booking()


@pytest.fixture
def raters(booking):
    org = booking.session.centre.organisation
    return [examiner(org) for _ in range(3)]


def admin_of(qualification):
    """An admin of the qualification's organisation with a fresh code: who withdraws it."""
    organisation = qualification.organisation
    return fresh_factor(MembershipFactory(organisation=organisation, role=Role.ADMIN).user)


def test_first_and_second_rating_within_tolerance_compute_the_mean(booking, raters):
    record_rating(booking, actor=raters[0], scores=points(10, 8, 8))  # 26
    second = record_rating(booking, actor=raters[1], scores=points(10, 9, 8))  # 27

    result = Result.objects.get(booking=booking)
    assert second.kind == Rating.Kind.SECOND
    assert result.raw_score == 27  # mean 26.5 rounded half up
    assert result.status == Result.Status.DRAFT
    assert result.outcome == Result.Outcome.PASSED  # SPR-B1 cut-off 24 on the table
    assert result.scale_score >= 500
    assert AuditEvent.objects.filter(action="grading.result.computed").count() == 1


def test_first_rating_alone_computes_nothing_when_two_raters_are_required(booking, raters):
    rating = record_rating(booking, actor=raters[0], scores=points(10, 8, 8))

    assert rating.kind == Rating.Kind.FIRST
    assert not Result.objects.filter(booking=booking).exists()
    assert AuditEvent.objects.filter(action="grading.rating.recorded").count() == 1


def test_ratings_further_apart_than_tolerance_go_to_an_adjudicator(booking, raters):
    record_rating(booking, actor=raters[0], scores=points(12, 10, 10))  # 32
    record_rating(booking, actor=raters[1], scores=points(8, 7, 5))  # 20
    assert not Result.objects.filter(booking=booking).exists()

    adjudication = record_rating(booking, actor=raters[2], scores=points(10, 8, 8))  # 26

    assert adjudication.kind == Rating.Kind.ADJUDICATION
    # rule "mean": adjudicator (26) with the nearer rater (20 and 32 are equally near: 32)
    assert Result.objects.get(booking=booking).raw_score == 29


def test_adjudicator_rule_takes_the_adjudicators_score(booking, raters):
    rubric = booking.session.exam_version.rubric
    rubric.final_rule = "adjudicator"
    rubric.save()
    record_rating(booking, actor=raters[0], scores=points(12, 10, 10))
    record_rating(booking, actor=raters[1], scores=points(8, 7, 5))

    record_rating(booking, actor=raters[2], scores=points(10, 8, 8))

    assert Result.objects.get(booking=booking).raw_score == 26


def test_nobody_rates_an_attempt_twice(booking, raters):
    record_rating(booking, actor=raters[0], scores=points(10, 8, 8))

    with pytest.raises(AlreadyRated):
        record_rating(booking, actor=raters[0], scores=points(10, 8, 8))


def test_a_decided_attempt_needs_no_further_rating(booking, raters):
    record_rating(booking, actor=raters[0], scores=points(10, 8, 8))
    record_rating(booking, actor=raters[1], scores=points(10, 8, 8))

    with pytest.raises(RatingNotNeeded):
        record_rating(booking, actor=raters[2], scores=points(10, 8, 8))


def test_an_examiner_without_qualification_cannot_rate(booking):
    user = examiner(booking.session.centre.organisation, components=("SCH",))

    with pytest.raises(NotQualified):
        record_rating(booking, actor=user, scores=points(10, 8, 8))


def test_an_expired_qualification_does_not_count(booking):
    today = timezone.localdate()
    user = examiner(
        booking.session.centre.organisation,
        valid_from=today - datetime.timedelta(days=400),
        valid_until=today - datetime.timedelta(days=1),
    )

    with pytest.raises(NotQualified):
        record_rating(booking, actor=user, scores=points(10, 8, 8))


def test_a_qualification_for_another_level_does_not_count(booking):
    user = examiner(booking.session.centre.organisation, level="A2")

    with pytest.raises(NotQualified):
        record_rating(booking, actor=user, scores=points(10, 8, 8))


def test_an_examiner_of_another_organisation_rates_only_when_assigned(booking):
    user = examiner(OrganisationFactory())
    with pytest.raises(NotQualified):
        record_rating(booking, actor=user, scores=points(10, 8, 8))

    SessionStaff.objects.create(session=booking.session, user=user, role="examiner")
    rating = record_rating(booking, actor=user, scores=points(10, 8, 8))

    assert rating.kind == Rating.Kind.FIRST


def test_an_attempt_not_sat_cannot_be_rated(raters):
    booking = rated_booking(status=Booking.Status.NO_SHOW)
    user = examiner(booking.session.centre.organisation)

    with pytest.raises(GradingError) as error:
        record_rating(booking, actor=user, scores=points(10, 8, 8))

    assert error.value.code == "not_sat"


def test_a_machine_scored_attempt_cannot_be_rated():
    booking = rated_booking("LEZ-B1-2026A")
    user = examiner(booking.session.centre.organisation, components=("LEZ",))

    with pytest.raises(GradingError) as error:
        record_rating(booking, actor=user, scores=points(10, 8, 8))

    assert error.value.code == "not_rated"


def test_bad_rubric_points_write_nothing(booking, raters):
    with pytest.raises(GradingError) as error:
        record_rating(booking, actor=raters[0], scores=points(15, 8, 8))

    assert error.value.field == "task"
    assert not Rating.objects.exists()
    assert not AuditEvent.objects.filter(action="grading.rating.recorded").exists()


def test_blind_rating_hides_the_other_rating_until_both_are_in(booking, raters):
    record_rating(booking, actor=raters[0], scores=points(10, 8, 8))

    assert list(ratings_visible_to(raters[1], booking)) == []
    assert len(ratings_visible_to(raters[0], booking)) == 1

    record_rating(booking, actor=raters[1], scores=points(10, 8, 8))

    assert len(ratings_visible_to(raters[0], booking)) == 2
    assert len(ratings_visible_to(raters[2], booking)) == 2


def test_grant_qualification_is_idempotent_and_audited():
    user, org = UserFactory(), OrganisationFactory()
    MembershipFactory(user=user, organisation=org, role=Role.EXAMINER)
    today = timezone.localdate()
    kwargs = {
        "actor": fresh_factor(MembershipFactory(organisation=org, role=Role.ADMIN).user),
        "component": component("SPR"),
        "organisation": org,
        "valid_from": today,
        "valid_until": today + datetime.timedelta(days=10),
    }

    first = grant_qualification(user, **kwargs)
    second = grant_qualification(user, **kwargs)

    assert first == second
    assert AuditEvent.objects.filter(action="grading.qualification.granted").count() == 1


def test_grant_qualification_refuses_an_inverted_window():
    user, org = UserFactory(), OrganisationFactory()
    MembershipFactory(user=user, organisation=org, role=Role.EXAMINER)
    admin = fresh_factor(MembershipFactory(organisation=org, role=Role.ADMIN).user)
    today = timezone.localdate()

    with pytest.raises(GradingError) as error:
        grant_qualification(
            user,
            actor=admin,
            component=component("SPR"),
            organisation=org,
            valid_from=today,
            valid_until=today - datetime.timedelta(days=1),
        )

    assert error.value.field == "valid_until"


def test_withdrawn_qualification_stops_rating(booking):
    user = examiner(booking.session.centre.organisation)
    qualification = ExaminerQualification.objects.get(user=user)

    withdraw_qualification(qualification, actor=admin_of(qualification), reason="left")
    withdraw_qualification(
        qualification, actor=admin_of(qualification), reason="again"
    )  # idempotent

    with pytest.raises(NotQualified):
        record_rating(booking, actor=user, scores=points(10, 8, 8))
    assert AuditEvent.objects.filter(action="grading.qualification.withdrawn").count() == 1


def test_withdrawing_a_qualification_that_starts_today_stops_rating_today(booking):
    today = timezone.localdate()
    user = examiner(
        booking.session.centre.organisation,
        valid_from=today,
        valid_until=today + datetime.timedelta(days=30),
    )
    qualification = ExaminerQualification.objects.get(user=user)

    withdraw_qualification(
        qualification, actor=admin_of(qualification), reason="granted by mistake"
    )

    qualification.refresh_from_db()
    assert qualification.withdrawn_at is not None
    assert qualification.withdrawal_reason == "granted by mistake"
    with pytest.raises(NotQualified):
        record_rating(booking, actor=user, scores=points(10, 8, 8))


def test_granting_a_withdrawn_qualification_again_makes_a_new_one():
    user, org = UserFactory(), OrganisationFactory()
    MembershipFactory(user=user, organisation=org, role=Role.EXAMINER)
    today = timezone.localdate()
    kwargs = {
        "actor": fresh_factor(MembershipFactory(organisation=org, role=Role.ADMIN).user),
        "component": component("SPR"),
        "organisation": org,
        "valid_from": today + datetime.timedelta(days=1),
        "valid_until": today + datetime.timedelta(days=10),
    }
    withdrawn = withdraw_qualification(
        grant_qualification(user, **kwargs), actor=kwargs["actor"], reason="x"
    )

    again = grant_qualification(user, **kwargs)

    assert again.pk != withdrawn.pk
    assert again.withdrawn_at is None
    assert AuditEvent.objects.filter(action="grading.qualification.granted").count() == 2
