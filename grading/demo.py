"""grading's part of `manage.py seed_demo`: qualifications, ratings, results, a correction.

Works on the bookings scheduling's demo created (none: creates nothing and
returns {}). Everything goes through grading's services. Idempotent: a
booking that already has ratings or a result is skipped, the machine-score
file is imported once (its hash), the correction is made once.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from examens.models import Component, Organisation, User
from scheduling.models import Booking

from .models import Result
from .services import (
    correct_result,
    grant_qualification,
    import_machine_scores,
    record_attendance_outcome,
    record_rating,
    release_result,
    sign_off_component,
)

EXAMINERS = ["examinator.duo", "examinator.utrecht", "examinator.taalcentrum"]
RATED_LIMIT = 12
VALID_FROM = datetime.date(2025, 1, 1)
VALID_UNTIL = datetime.date(2028, 12, 31)
CORRECTION_REASON = "Demo: antwoordsleutel van item 12 was onjuist (herberekend)."


def _qualify(users: dict[str, User], counts: dict[str, int]) -> list[User]:
    examiners = [users[name] for name in EXAMINERS if name in users]
    agency = Organisation.objects.filter(kind=Organisation.Kind.AGENCY).first()
    if agency is None or not examiners:
        return []
    centre_orgs = set(
        Booking.objects.values_list("session__centre__organisation_id", flat=True).distinct()
    )
    organisations = list(Organisation.objects.filter(pk__in=centre_orgs | {agency.pk}))
    scored = Component.objects.exclude(assessment=Component.Assessment.SIGN_OFF)
    for user in examiners:
        for organisation in organisations:
            for component in scored:
                before = user.qualifications.count()
                grant_qualification(
                    user,
                    actor=user,
                    component=component,
                    organisation=organisation,
                    valid_from=VALID_FROM,
                    valid_until=VALID_UNTIL,
                )
                counts["qualifications"] += user.qualifications.count() - before
    return examiners


def _points(rubric_aspects, share: float) -> dict[str, int]:
    return {a["code"]: max(1, round(int(a["max"]) * share)) for a in rubric_aspects}


def seed(*, users: dict[str, User], stdout) -> dict[str, int]:
    past = Booking.objects.filter(session__starts_at__lt=timezone.now())
    if not Booking.objects.exists():
        return {}
    counts = {
        "qualifications": 0,
        "ratings": 0,
        "imported results": 0,
        "released results": 0,
        "corrections": 0,
    }
    examiners = _qualify(users, counts)
    if len(examiners) < 3:
        return counts
    coordinator = examiners[0]

    rated = (
        past.filter(
            status=Booking.Status.CHECKED_IN, component__assessment=Component.Assessment.RATED
        )
        .exclude(ratings__isnull=False)
        .exclude(results__isnull=False)
        .select_related("session__exam_version__rubric")
        .order_by("pk")[:RATED_LIMIT]
    )
    for index, booking in enumerate(rated):
        rubric = getattr(booking.session.exam_version, "rubric", None)
        if rubric is None:
            continue
        shares = [0.7, 0.75] if index else [0.9, 0.4]  # the first one needs an adjudicator
        for user, share in zip(examiners[:2], shares, strict=True):
            record_rating(booking, actor=user, scores=_points(rubric.aspects, share))
            counts["ratings"] += 1
        if not Result.objects.filter(booking=booking).exists():
            record_rating(booking, actor=examiners[2], scores=_points(rubric.aspects, 0.65))
            counts["ratings"] += 1

    machine = (
        past.filter(
            status=Booking.Status.CHECKED_IN,
            component__assessment=Component.Assessment.MACHINE_SCORED,
        )
        .exclude(results__isnull=False)
        .select_related("component", "session__exam_version")
        .order_by("pk")
    )
    lines = ["booking_reference,component,raw_score"]
    for booking in machine:
        top = booking.session.exam_version.max_raw_score
        # Most candidates pass; every fifth attempt falls well short of the cut-off.
        raw = top // 3 if booking.pk % 5 == 0 else top - booking.pk % 6
        lines.append(f"{booking.reference},{booking.component.code},{raw}")
    if len(lines) > 1:
        outcome = import_machine_scores(
            ("\n".join(lines) + "\n").encode(), actor=coordinator, filename="demo-levering.csv"
        )
        counts["imported results"] += outcome.row_count if outcome.created else 0

    for booking in past.filter(status__in=(Booking.Status.NO_SHOW, Booking.Status.REJECTED)):
        if not Result.objects.filter(booking=booking).exists():
            record_attendance_outcome(booking, actor=coordinator)

    for result in Result.objects.filter(status=Result.Status.DRAFT, is_current=True).order_by("pk"):
        release_result(result, actor=coordinator)
        counts["released results"] += 1

    if not Result.objects.filter(corrects__isnull=False).exists():
        target = (
            Result.objects.filter(
                status=Result.Status.RELEASED,
                is_current=True,
                raw_score__isnull=False,
                component__assessment=Component.Assessment.MACHINE_SCORED,
            )
            .select_related("exam_version")
            .order_by("pk")
            .first()
        )
        if target is not None:
            new_raw = target.raw_score + 1
            if new_raw > target.exam_version.max_raw_score:
                new_raw = target.raw_score - 1
            correct_result(target, actor=coordinator, reason=CORRECTION_REASON, raw_score=new_raw)
            counts["corrections"] += 1
    counts["sign-offs"] = _sign_off(users, past)
    created = {what: n for what, n in counts.items() if n}
    if created and stdout is not None:
        stdout.write("grading: results rated, released, corrected and signed off.")
    return created


SIGNERS = {"Utrecht": "examinator.utrecht"}  # elsewhere: the contracted provider's examiner
PROVIDER_SIGNER = "examinator.taalcentrum"


def _sign_off(users: dict[str, User], past) -> int:
    """Sign off the participation components of the candidates who sat exams in the demo.

    The municipality's own examiner signs for Utrecht; the provider contracted by
    Amersfoort and Zeist signs for their residents. Idempotent: a component with
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
    signed = 0
    candidates = {booking.candidate for booking in past.select_related("candidate__municipality")}
    for candidate in sorted(candidates, key=lambda c: c.pk):
        name = SIGNERS.get(candidate.municipality.name, PROVIDER_SIGNER)
        signer = users.get(name)
        membership = signer.memberships.first() if signer is not None else None
        if membership is None:
            continue
        organisation = membership.organisation
        required = candidate.route.requirements.filter(
            component__in=sign_off_components, optional=False
        ).select_related("component")
        for requirement in required:
            component = requirement.component
            if Result.objects.filter(candidate=candidate, component=component).exists():
                continue
            grant_qualification(
                signer,
                actor=signer,
                component=component,
                organisation=organisation,
                valid_from=VALID_FROM,
                valid_until=VALID_UNTIL,
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
