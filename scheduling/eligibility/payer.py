"""Who pays an attempt: a pure function of the booking's facts (no database)."""

from __future__ import annotations

from examens.models import Level

from ..models import Booking

LEVEL_RANK = {value: rank for rank, value in enumerate(Level.values)}


def payer_for(
    *,
    is_asylum_migrant: bool,
    attempt_number: int,
    booked_level: str,
    plan_level: str,
    fee_cents: int,
) -> str:
    """Who pays an attempt (pure): the municipality pays the first two attempts of an
    asylum migrant at (or above) the plan's level; a free component has no payer."""
    if fee_cents == 0:
        return Booking.Payer.NONE
    below_plan = (
        bool(plan_level)
        and bool(booked_level)
        and LEVEL_RANK[booked_level] < LEVEL_RANK[plan_level]
    )
    if is_asylum_migrant and attempt_number <= 2 and not below_plan:
        return Booking.Payer.MUNICIPALITY
    return Booking.Payer.CANDIDATE
