"""The attacker's side of suppression: what a reader can compute from a published table.

Independent of monitoring.suppression's own reasoning: every hidden number is an
integer variable >= 1 (zeros are always published, so a hidden number is known not
to be zero), every published number a constant, every row and column must add up to
its total. For each hidden number an integer program (HiGHS, through scipy) finds
its smallest and largest possible value. A hidden number whose smallest equals its
largest has been disclosed. Variables are capped at UNBOUNDED, far above any count
the tests use, which stands for "no upper bound" (HiGHS cannot always tell an
unbounded program from an infeasible one).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

Range = tuple[int, int]
UNBOUNDED = 10**6


def _ranges(equations: list[tuple[dict[int, int], int]], count: int) -> list[Range]:
    """Smallest and largest value of each of `count` integer variables >= 1 subject to
    `equations`: each ({variable: coefficient}, constant), meaning sum + constant == 0."""
    matrix = np.zeros((len(equations), count))
    rhs = np.zeros(len(equations))
    for row, (terms, constant) in enumerate(equations):
        for variable, coefficient in terms.items():
            matrix[row, variable] += coefficient
        rhs[row] = -constant
    constraints = LinearConstraint(matrix, rhs, rhs)
    integrality = np.ones(count)
    bounds = Bounds(np.ones(count), np.full(count, UNBOUNDED))
    ranges = []
    for variable in range(count):
        objective = np.zeros(count)
        objective[variable] = 1
        low = milp(objective, constraints=constraints, integrality=integrality, bounds=bounds)
        assert low.status == 0, f"the published table admits no solution: {low.message}"
        high = milp(-objective, constraints=constraints, integrality=integrality, bounds=bounds)
        assert high.status == 0, high.message
        ranges.append((round(low.fun), round(-high.fun)))
    return ranges


def table_ranges(
    cells: list[list[int | str]],
    row_totals: list[int | str],
    column_totals: list[int | str],
    total: int | str,
) -> dict[tuple[int, int], Range]:
    """The range of every hidden number of a published table, by its place in the grid
    with totals (row len(cells) holds column totals, column len(columns) row totals)."""
    height, width = len(cells), len(column_totals)
    grid = [[*line, line_total] for line, line_total in zip(cells, row_totals, strict=True)]
    grid.append([*column_totals, total])
    places = [
        (r, c) for r in range(height + 1) for c in range(width + 1) if isinstance(grid[r][c], str)
    ]
    index = {place: i for i, place in enumerate(places)}
    equations: list[tuple[dict[int, int], int]] = []

    def line(parts: list[tuple[int, int]], whole: tuple[int, int]) -> None:
        terms: dict[int, int] = {}
        constant = 0
        for place, sign in [*((p, 1) for p in parts), (whole, -1)]:
            value = grid[place[0]][place[1]]
            if isinstance(value, str):
                terms[index[place]] = terms.get(index[place], 0) + sign
            else:
                constant += sign * value
        equations.append((terms, constant))

    for r in range(height + 1):
        line([(r, c) for c in range(width)], (r, width))
    for c in range(width + 1):
        line([(r, c) for r in range(height)], (height, c))
    if not places:
        return {}
    return dict(zip(places, _ranges(equations, len(places)), strict=True))


def list_ranges(values: list[int | str], total: int | str) -> dict[int, Range]:
    """The range of every hidden number of a published list; index len(values) is the total."""
    everything = [*values, total]
    places = [i for i, value in enumerate(everything) if isinstance(value, str)]
    if not places:
        return {}
    index = {place: i for i, place in enumerate(places)}
    terms: dict[int, int] = {}
    constant = 0
    for place, value in enumerate(everything):
        sign = -1 if place == len(values) else 1
        if isinstance(value, str):
            terms[index[place]] = sign
        else:
            constant += sign * value
    return dict(zip(places, _ranges([(terms, constant)], len(places)), strict=True))
