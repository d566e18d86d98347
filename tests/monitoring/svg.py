"""Checks on the server-rendered SVG charts."""

from __future__ import annotations

import re

GEOMETRY = re.compile(r'\s(x|y|x1|x2|y1|y2|cx|cy|r|width|height|viewBox|points)="([^"]*)"')
NUMBER = r"-?\d+(?:\.\d+)?"
SHAPES = {
    "viewBox": re.compile(rf"^{NUMBER}(?: {NUMBER}){{3}}$"),
    "points": re.compile(rf"^(?:{NUMBER},{NUMBER}(?: |$))*$"),
}


def misdrawn(body: str) -> list[str]:
    """Every geometry attribute of the page's <svg>s that is not a plain number (a Dutch
    decimal comma in `x="120,5"` draws no bar, and in a <text> spreads its letters)."""
    found = []
    for svg in re.findall(r"<svg\b.*?</svg>", body, flags=re.S):
        for name, value in GEOMETRY.findall(svg):
            shape = SHAPES.get(name, re.compile(rf"^{NUMBER}$"))
            if not shape.match(value):
                found.append(f'{name}="{value}"')
    return found
