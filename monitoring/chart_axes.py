"""Axis arithmetic the server-rendered SVG charts share (capacity, overview). Pure."""

from __future__ import annotations

from decimal import Decimal


def nice_top(value: Decimal) -> int:
    """The smallest 1, 2 or 5 times a power of ten at or above `value` (at least 1)."""
    top = max(Decimal(1), value)
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= top:
                return step * factor
        step *= 10


def quantize(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"))
