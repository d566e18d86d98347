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

from .models import Rating, Result
from .services import (
    correct_result,
    grant_qualification,
    import_machine_scores,
    record_attendance_outcome,
    record_rating,
    release_result,
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
        raw = (booking.pk * 7) % (top + 1)
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
    if Rating.objects.filter(kind=Rating.Kind.ADJUDICATION).exists() and stdout is not None:
        stdout.write("grading: results rated, released and corrected.")
    return {what: n for what, n in counts.items() if n}
