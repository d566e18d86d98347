"""The grading part of `manage.py seed_demo`: qualifications, ratings, results, a correction.

Works on the bookings the scheduling part created (none: creates nothing and
returns {}). Everything goes through grading's services, each with the actor
who would really act: an organisation's administrator qualifies that
organisation's own examiners (and no one else's); examiners qualified for the
session's organisation rate, import the machine scores, record no-shows,
release and correct; the candidate's municipality's examiner, or the contracted
provider's, signs off. Idempotent: a booking that already has ratings or a
result is skipped, the machine-score file is imported once (its hash), the
correction is made once.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import QuerySet
from django.utils import timezone

from examens.models import Candidate, Component, Organisation, Role, User
from grading.models import Rating, Result
from grading.permissions import can_rate, sign_off_organisations
from grading.services import (
    correct_result,
    grant_qualification,
    import_machine_scores,
    record_attendance_outcome,
    record_rating,
    release_result,
    sign_off_component,
)
from scheduling.models import Booking

from .waiting import rated_before
from .world import ADMINS

EXAMINERS = [
    "examinator.duo",
    "examinator2.duo",
    "examinator3.duo",
    "examinator.utrecht",
    "examinator.taalcentrum",
]
RATED_LIMIT = 12
# Waiting attempts that get one (first) rating, so a second rater finds them blind.
FIRST_RATED_WAITING = 2
VALID_FROM = datetime.date(2025, 1, 1)
VALID_UNTIL = datetime.date(2028, 12, 31)
CORRECTION_REASON = "Demo: antwoordsleutel van item 12 was onjuist (herberekend)."


def examiners_by_organisation(users: dict[str, User]) -> dict[int, list[User]]:
    """The demo examiners of each organisation (by id), in the order of EXAMINERS."""
    by_organisation: dict[int, list[User]] = defaultdict(list)
    for name in EXAMINERS:
        user = users.get(name)
        if user is None:
            continue
        for membership in user.memberships.filter(role=Role.EXAMINER):
            by_organisation[membership.organisation_id].append(user)
    return by_organisation


def _qualify(
    users: dict[str, User], examiners: dict[int, list[User]], counts: dict[str, int]
) -> None:
    """Each organisation's administrator qualifies its own examiners for the scored components."""
    scored = list(Component.objects.exclude(assessment=Component.Assessment.SIGN_OFF))
    for organisation in Organisation.objects.filter(pk__in=examiners).order_by("pk"):
        admin = users.get(ADMINS.get(organisation.name, ""))
        if admin is None:
            continue
        for user in examiners[organisation.pk]:
            for component in scored:
                grant_to(
                    user, admin=admin, component=component, organisation=organisation, counts=counts
                )


def grant_to(
    user: User,
    *,
    admin: User,
    component: Component,
    organisation: Organisation,
    counts: dict[str, int],
) -> None:
    before = user.qualifications.count()
    grant_qualification(
        user,
        actor=admin,
        component=component,
        organisation=organisation,
        valid_from=VALID_FROM,
        valid_until=VALID_UNTIL,
    )
    counts["qualifications"] += user.qualifications.count() - before


def _points(rubric_aspects, share: float) -> dict[str, int]:
    return {a["code"]: max(1, round(int(a["max"]) * share)) for a in rubric_aspects}


def _coordinator(examiners: dict[int, list[User]], booking: Booking | None) -> User | None:
    """The first demo examiner of the organisation whose centre held the session."""
    own = examiners.get(booking.session.centre.organisation_id, []) if booking else []
    return own[0] if own else None


def seed(*, users: dict[str, User], stdout) -> dict[str, int]:
    past = Booking.objects.filter(session__starts_at__lt=timezone.now()).select_related(
        "session__centre"
    )
    if not Booking.objects.exists():
        return {}
    counts = {
        "qualifications": 0,
        "ratings": 0,
        "imported results": 0,
        "released results": 0,
        "corrections": 0,
    }
    examiners = examiners_by_organisation(users)
    _qualify(users, examiners, counts)
    counts["ratings"] = _rate(past.filter(session__starts_at__lt=rated_before()), examiners)
    counts["ratings"] += _rate_first_of_waiting(past.filter(session__starts_at__gte=rated_before()))
    counts["imported results"] = _import_machine_scores(past, examiners)
    for booking in past.filter(status__in=(Booking.Status.NO_SHOW, Booking.Status.REJECTED)):
        coordinator = _coordinator(examiners, booking)
        if coordinator and not Result.objects.filter(booking=booking).exists():
            record_attendance_outcome(booking, actor=coordinator)
    drafts = Result.objects.filter(
        status=Result.Status.DRAFT, is_current=True, booking__isnull=False
    ).select_related("booking__session__centre")
    for result in drafts.order_by("pk"):
        coordinator = _coordinator(examiners, result.booking)
        if coordinator is not None:
            release_result(result, actor=coordinator)
            counts["released results"] += 1
    counts["corrections"] = _correct(examiners)
    counts["sign-offs"] = _sign_off(users, examiners, past, counts)
    return {what: n for what, n in counts.items() if n}


def _rate(past: QuerySet[Booking], examiners: dict[int, list[User]]) -> int:
    """Two ratings per sat attempt by examiners who may rate it; the first needs a third."""
    rated = (
        past.filter(
            status=Booking.Status.CHECKED_IN, component__assessment=Component.Assessment.RATED
        )
        .exclude(ratings__isnull=False)
        .exclude(results__isnull=False)
        .select_related("session__exam_version__rubric", "component")
        .order_by("pk")[:RATED_LIMIT]
    )
    ratings = 0
    for index, booking in enumerate(rated):
        rubric = getattr(booking.session.exam_version, "rubric", None)
        own = examiners.get(booking.session.centre.organisation_id, [])
        raters = [user for user in own if can_rate(user, booking)]
        if rubric is None or len(raters) < 3:
            continue
        shares = [0.7, 0.75] if index else [0.9, 0.4]  # the first one needs an adjudicator
        for user, share in zip(raters[:2], shares, strict=True):
            record_rating(booking, actor=user, scores=_points(rubric.aspects, share))
            ratings += 1
        if not Result.objects.filter(booking=booking).exists():
            record_rating(booking, actor=raters[2], scores=_points(rubric.aspects, 0.65))
            ratings += 1
    return ratings


def _rate_first_of_waiting(waiting: QuerySet[Booking]) -> int:
    """A first rating for a few attempts of each waiting session, by its door examiner.

    Once per demo world: when any waiting attempt has a rating (this seed's, or an
    examiner's since), nothing is added.
    """
    attempts = waiting.filter(
        status=Booking.Status.CHECKED_IN, component__assessment=Component.Assessment.RATED
    ).select_related("session__exam_version__rubric", "component")
    if Rating.objects.filter(booking__in=attempts).exists():
        return 0
    ratings = 0
    by_session: dict[int, list[Booking]] = defaultdict(list)
    for booking in attempts.order_by("pk"):
        by_session[booking.session_id].append(booking)
    for bookings in by_session.values():
        door = bookings[0].session.assignments.order_by("pk").first()
        rubric = getattr(bookings[0].session.exam_version, "rubric", None)
        if door is None or rubric is None:
            continue
        for booking in bookings[:FIRST_RATED_WAITING]:
            if can_rate(door.user, booking):
                record_rating(booking, actor=door.user, scores=_points(rubric.aspects, 0.7))
                ratings += 1
    return ratings


def _import_machine_scores(past: QuerySet[Booking], examiners: dict[int, list[User]]) -> int:
    """One results file per organisation, imported by its examiner, scoped to its centres."""
    machine = (
        past.filter(
            status=Booking.Status.CHECKED_IN,
            component__assessment=Component.Assessment.MACHINE_SCORED,
        )
        .exclude(results__isnull=False)
        .select_related("component", "session__exam_version")
        .order_by("pk")
    )
    files: dict[int, list[str]] = defaultdict(lambda: ["booking_reference,component,raw_score"])
    for booking in machine:
        top = booking.session.exam_version.max_raw_score
        # Most candidates pass; every fifth attempt falls well short of the cut-off.
        raw = top // 3 if booking.pk % 5 == 0 else top - booking.pk % 6
        files[booking.session.centre.organisation_id].append(
            f"{booking.reference},{booking.component.code},{raw}"
        )
    imported = 0
    for organisation_id, lines in sorted(files.items()):
        own = examiners.get(organisation_id)
        if not own:
            continue
        outcome = import_machine_scores(
            ("\n".join(lines) + "\n").encode(),
            actor=own[0],
            filename="demo-levering.csv",
            organisation_ids={organisation_id},
        )
        imported += outcome.row_count if outcome.created else 0
    return imported


def _correct(examiners: dict[int, list[User]]) -> int:
    """Correct one released machine-scored result, once, by the session organisation's examiner."""
    if Result.objects.filter(corrects__isnull=False).exists():
        return 0
    target = (
        Result.objects.filter(
            status=Result.Status.RELEASED,
            is_current=True,
            raw_score__isnull=False,
            component__assessment=Component.Assessment.MACHINE_SCORED,
            booking__isnull=False,
        )
        .select_related("exam_version", "booking__session__centre")
        .order_by("pk")
        .first()
    )
    if target is None or target.raw_score is None or target.exam_version is None:
        return 0
    coordinator = _coordinator(examiners, target.booking)
    if coordinator is None:
        return 0
    new_raw = target.raw_score + 1
    if new_raw > target.exam_version.max_raw_score:
        new_raw = target.raw_score - 1
    correct_result(target, actor=coordinator, reason=CORRECTION_REASON, raw_score=new_raw)
    return 1


def signer_for(candidate: Candidate, examiners: dict[int, list[User]]) -> tuple[User, int] | None:
    """An examiner of the candidate's municipality, else of a provider it contracted."""
    allowed = sorted(sign_off_organisations(candidate).values_list("pk", flat=True))
    allowed.sort(key=lambda pk: pk != candidate.municipality_id)  # the municipality first
    for organisation_id in allowed:
        if examiners.get(organisation_id):
            return examiners[organisation_id][0], organisation_id
    return None


def _sign_off(
    users: dict[str, User],
    examiners: dict[int, list[User]],
    past: QuerySet[Booking],
    counts: dict[str, int],
) -> int:
    """Sign off the participation components of the candidates who sat exams in the demo.

    The municipality's own examiner signs for Utrecht; the provider contracted by
    Amersfoort and Zeist signs for their residents. The signer's administrator
    qualifies the signer for the component first. Idempotent: a component with
    a result is skipped.
    """
    today = timezone.localdate()
    evidence = {
        "hours": 48,
        "started_on": (today - datetime.timedelta(days=120)).isoformat(),
        "ended_on": (today - datetime.timedelta(days=14)).isoformat(),
        "declaration_reference": "PVT-DEMO-2026",
    }
    sign_off_components = Component.objects.filter(assessment=Component.Assessment.SIGN_OFF)
    organisations = {o.pk: o for o in Organisation.objects.filter(pk__in=examiners)}
    signed = 0
    candidates = {booking.candidate for booking in past.select_related("candidate__route")}
    for candidate in sorted(candidates, key=lambda c: c.pk):
        found = signer_for(candidate, examiners)
        if found is None:
            continue
        signer, organisation_id = found
        organisation = organisations[organisation_id]
        admin = users.get(ADMINS.get(organisation.name, ""))
        if admin is None:
            continue
        required = candidate.route.requirements.filter(
            component__in=sign_off_components, optional=False
        ).select_related("component")
        for requirement in required:
            component = requirement.component
            if Result.objects.filter(candidate=candidate, component=component).exists():
                continue
            grant_to(
                signer, admin=admin, component=component, organisation=organisation, counts=counts
            )
            sign_off_component(
                candidate,
                actor=signer,
                component=component,
                completed=True,
                evidence=evidence,
                completed_on=today - datetime.timedelta(days=14),
            )
            signed += 1
    return signed
