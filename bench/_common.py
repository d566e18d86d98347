"""Shared helpers for the scheduling benchmarks: a fresh PostgreSQL database and bulk seed."""

from __future__ import annotations

import datetime
import itertools
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def fresh_database(name: str) -> str:
    """Drop and create `name`, migrate it, and point this process at it."""
    host = PG.split("@")[-1].split(":")[0]
    user = PG.split("//")[1].split("@")[0]
    subprocess.run(["dropdb", "-h", host, "-U", user, "--if-exists", name], check=True)
    subprocess.run(["createdb", "-h", host, "-U", user, name], check=True)
    url = f"{PG}/{name}"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DJANGO_DEBUG"] = "0"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=ROOT,
        check=True,
        env=os.environ,
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    return url


_bsns = itertools.count(20_000_000)


def make_bsn() -> str:
    while True:
        base = f"{next(_bsns):08d}"
        total = sum(int(d) * w for d, w in zip(base, range(9, 1, -1), strict=True))
        if total % 11 <= 9:
            return base + str(total % 11)


def seed_world(*, sessions: int, capacity: int, candidates: int, cities: int = 10):
    """Agency, centres in `cities` cities, published LEZ B1 sessions, B1 candidates, a token."""
    from django.utils import timezone

    from examens.models import (
        Candidate,
        ExamCentre,
        ExamVersion,
        Membership,
        Organisation,
        Role,
        Room,
        Route,
        User,
    )
    from examens.services import create_api_token
    from scheduling.models import ExamSession

    agency = Organisation.objects.create(name="DUO", kind="agency")
    municipality = Organisation.objects.create(name="Utrecht", kind="municipality", cbs_code="0344")
    admin = User.objects.create(username="bench")
    # The token is created by the agency's admin (create_api_token checks it).
    Membership.objects.create(user=admin, organisation=agency, role=Role.ADMIN)
    rooms = []
    for index in range(cities):
        centre = ExamCentre.objects.create(
            organisation=agency, name=f"Centre {index}", kind="central", city=f"City{index}"
        )
        rooms.append(Room.objects.create(centre=centre, name="Zaal", capacity=max(capacity, 1)))
    version = ExamVersion.objects.get(code="LEZ-B1-2026A")
    start = timezone.now() + datetime.timedelta(days=10)
    rows = []
    for index in range(sessions):
        room = rooms[index % len(rooms)]
        starts_at = start + datetime.timedelta(hours=2 * (index // len(rooms)))
        rows.append(
            ExamSession(
                centre_id=room.centre_id,
                room=room,
                component=version.component,
                exam_version=version,
                level="B1",
                starts_at=starts_at,
                duration_minutes=65,
                capacity=capacity,
                status="published",
                booking_closes_at=starts_at - datetime.timedelta(hours=48),
                accommodations=["extended_time"] if index % 3 == 0 else [],
                max_extra_minutes=30 if index % 3 == 0 else 0,
            )
        )
    ExamSession.objects.bulk_create(rows, batch_size=2000)
    route = Route.objects.get(code="B1", regime__code="WI2021")
    Candidate.objects.bulk_create(
        (
            Candidate(
                bsn=make_bsn(),
                given_names="Bench",
                family_name=f"Candidate{index}",
                date_of_birth=datetime.date(1990, 1, 1),
                municipality=municipality,
                route=route,
                term_start=datetime.date(2025, 1, 1),
                term_end=datetime.date(2028, 1, 1),
            )
            for index in range(candidates)
        ),
        batch_size=5000,
    )
    from django.db import transaction

    with transaction.atomic():
        _token, secret = create_api_token(
            agency,
            actor=admin,
            name="bench",
            scopes=["sessions:read", "bookings:read", "bookings:write"],
        )
    return secret


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]
