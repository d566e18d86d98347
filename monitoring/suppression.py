"""Small-cell suppression for every count that leaves a municipality's own view.

Pure: no database, no Django. A `Table` holds counts of people (rows x columns);
its row totals, column totals and grand total are the sums of its cells. `suppress`
returns what may be published: each number as an int, or the marker `<{threshold}`
where it is hidden. Decision 0019 explains the rules; in short:

- Primary: every cell, row total, column total or grand total with 0 < n < threshold
  is hidden. Zeros are published: a zero counts nobody, and hiding zeros would hide
  most of a sparse table (see decision 0019 for the one risk this leaves).
- Secondary: more cells are hidden until no hidden number can be recomputed exactly
  from what is published. The reader is assumed to know every published number, that
  rows and columns add up to their totals, that counts are whole numbers and that a
  hidden number is at least 1 (zeros are always published). Under exactly that
  knowledge each hidden number must have at least two possible values.
- Every hidden number carries the same marker, primary or secondary: telling them
  apart would tell the reader which hidden numbers are small, and such bounds can pin
  a cell (a row of `<10`, `x` with total 11 where `x` is known to be >= 10).

Why the check is exact: the numbers of a table with its totals, with the totals
negated, form a grid whose every row and column sums to zero. Changing hidden numbers
without changing anything published is a circulation on the bipartite graph of rows
and columns whose edges are the hidden cells; a circulation splits into simple cycles
that alternate +1/-1. So a hidden number can take another value exactly when a cycle
through it exists in the graph of moves the lower bound allows (`_movable`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

Published = int | str


def marker_for(threshold: int) -> str:
    """The text shown instead of a hidden number: `<10` for the default threshold."""
    return f"<{threshold}"


@dataclass(frozen=True)
class Table:
    """Counts of people: `cells[r][c]` for row label `rows[r]` and column `columns[c]`.

    Totals are not given: they are the sums of the cells. When a published total
    covers more people than the columns shown, add a column for the rest ("other",
    "unknown"), or the total leaks it.

    Raises ValueError when the shape does not match the labels or a cell is not a
    non-negative int.
    """

    rows: list[str]
    columns: list[str]
    cells: list[list[int]]

    def __post_init__(self) -> None:
        if len(self.cells) != len(self.rows):
            raise ValueError(f"cells: {len(self.cells)} rows for {len(self.rows)} row labels")
        for r, line in enumerate(self.cells):
            if len(line) != len(self.columns):
                raise ValueError(
                    f"cells[{r}]: {len(line)} values for {len(self.columns)} column labels"
                )
            for c, value in enumerate(line):
                if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                    raise ValueError(f"cells[{r}][{c}]: {value!r} is not a count (int >= 0)")

    @property
    def row_totals(self) -> list[int]:
        return [sum(line) for line in self.cells]

    @property
    def column_totals(self) -> list[int]:
        return [sum(line[c] for line in self.cells) for c in range(len(self.columns))]

    @property
    def total(self) -> int:
        return sum(self.row_totals)


@dataclass(frozen=True)
class SuppressedTable:
    """What may be published of a `Table`: ints, or `marker` where a number is hidden."""

    rows: list[str]
    columns: list[str]
    cells: list[list[Published]]
    row_totals: list[Published]
    column_totals: list[Published]
    total: Published
    threshold: int
    marker: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "marker", marker_for(self.threshold))

    @property
    def hidden_count(self) -> int:
        """How many numbers (cells and totals) are hidden."""
        values = [v for line in self.cells for v in line]
        values += [*self.row_totals, *self.column_totals, self.total]
        return sum(1 for v in values if isinstance(v, str))

    def lines(self) -> list[tuple[str, list[Published], Published]]:
        """(row label, cells, row total) per row: what a template loops over."""
        return list(zip(self.rows, self.cells, self.row_totals, strict=True))


@dataclass(frozen=True)
class SuppressedList:
    """What may be published of a one-dimensional list of counts with its total."""

    labels: list[str]
    values: list[Published]
    total: Published
    threshold: int
    marker: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "marker", marker_for(self.threshold))

    def items(self) -> list[tuple[str, Published]]:
        return list(zip(self.labels, self.values, strict=True))


def _check_threshold(threshold: int) -> None:
    if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 1:
        raise ValueError(f"threshold: {threshold!r} is not a whole number of at least 1")


# --- tables -------------------------------------------------------------------------------

Cell = tuple[int, int]


class _Grid:
    """The table with its totals as one (R+1) x (C+1) grid; row R and column C are totals.

    In signed form (totals negated, the grand total not) every row and column of the
    grid sums to zero, which makes cells and totals alike: edges of a bipartite graph
    between row node i and column node j.
    """

    def __init__(self, table: Table):
        self.height = len(table.rows) + 1
        self.width = len(table.columns) + 1
        row_totals = table.row_totals
        self.values = [[*line, total] for line, total in zip(table.cells, row_totals, strict=True)]
        self.values.append([*table.column_totals, table.total])

    def sign(self, cell: Cell) -> int:
        r, c = cell
        return -1 if (r == self.height - 1) != (c == self.width - 1) else 1

    def cells(self) -> list[Cell]:
        return [(r, c) for r in range(self.height) for c in range(self.width)]

    def value(self, cell: Cell) -> int:
        return self.values[cell[0]][cell[1]]


def _movable(grid: _Grid, cell: Cell, step: int) -> bool:
    """Can the signed value of hidden `cell` change by `step` (+1 or -1) with its count
    staying >= 1? Yes for a rise of the count itself, or a fall of a count above 1."""
    return step * grid.sign(cell) > 0 or grid.value(cell) > 1


def _determined(grid: _Grid, hidden: set[Cell], cell: Cell) -> bool:
    """Is the hidden `cell` pinned to one value by everything published?

    It is not when some move (+1 or -1 of its signed value) closes a cycle: the graph
    has an arc row->column for each hidden cell whose signed value may rise and
    column->row for each whose signed value may fall; a rise of `cell` needs a path
    from its column back to its row, a fall one from its row to its column, neither
    using `cell` itself.
    """
    rises: dict[int, list[int]] = {}  # row -> columns reachable by a rise
    falls: dict[int, list[int]] = {}  # column -> rows reachable by a fall
    for other in hidden:
        if other == cell:
            continue
        r, c = other
        if _movable(grid, other, 1):
            rises.setdefault(r, []).append(c)
        if _movable(grid, other, -1):
            falls.setdefault(c, []).append(r)
    r0, c0 = cell
    for step in (1, -1):
        if not _movable(grid, cell, step):
            continue
        # Nodes: (False, row) and (True, column).
        start, goal = ((True, c0), (False, r0)) if step == 1 else ((False, r0), (True, c0))
        seen = {start}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            if node == goal:
                return False
            is_column, index = node
            targets = falls.get(index, []) if is_column else rises.get(index, [])
            for target in targets:
                nxt = (not is_column, target)
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
    return True


def _candidates(grid: _Grid, hidden: set[Cell], cell: Cell) -> tuple[list[Cell], list[Cell]]:
    """Published non-zero numbers that could protect `cell`: (those in its row or column,
    the rest), each list with inner cells before totals, smaller before larger (less
    information lost), then by position."""
    r0, c0 = cell

    def cost(candidate: Cell) -> tuple[bool, int, Cell]:
        r, c = candidate
        is_total = r == grid.height - 1 or c == grid.width - 1
        return (is_total, grid.value(candidate), candidate)

    published = [x for x in grid.cells() if x not in hidden and grid.value(x) > 0]
    near = [x for x in published if x[0] == r0 or x[1] == c0]
    far = [x for x in published if x[0] != r0 and x[1] != c0]
    return sorted(near, key=cost), sorted(far, key=cost)


def _protect(grid: _Grid, hidden: set[Cell]) -> None:
    """Hide more numbers until no hidden one is determined (secondary suppression).

    Hiding one more number only removes a constraint, so a hidden number once found
    free stays free: each is checked until it is, and never again. Terminates: each
    round hides one more non-zero number, and once every non-zero number is hidden none
    is determined (a count can always rise with its row total, its column total and
    the grand total).
    """
    unchecked = sorted(hidden)
    while unchecked:
        cell = unchecked[0]
        if not _determined(grid, hidden, cell):
            unchecked.pop(0)
            continue
        near, far = _candidates(grid, hidden, cell)
        if not near and not far:  # pragma: no cover - impossible, see the docstring
            raise AssertionError("no number left to hide")
        # One that frees the cell by itself, near ones first; else the cheapest near one
        # (a chain needs more than one, found in the next rounds).
        chosen = next(
            (x for x in [*near, *far] if not _determined(grid, hidden | {x}, cell)),
            (near or far)[0],
        )
        hidden.add(chosen)
        unchecked.append(chosen)


def suppress(table: Table, *, threshold: int = 10) -> SuppressedTable:
    """The publishable form of `table`: numbers under `threshold` hidden, and enough
    others hidden that none of them can be recomputed.

    Rules (decision 0019): every cell and total with 0 < n < threshold is hidden
    (primary); zeros and numbers >= threshold are published unless hiding them is
    needed to protect a hidden one (secondary: preferably a cell in the same row or
    column, an inner cell before a total, the smallest first). Every hidden number
    shows `<{threshold}`. Deterministic: the same table gives the same result.

    Raises ValueError for a threshold that is not an int >= 1.
    """
    _check_threshold(threshold)
    grid = _Grid(table)
    hidden = {x for x in grid.cells() if 0 < grid.value(x) < threshold}
    _protect(grid, hidden)
    marker = marker_for(threshold)

    def shown(cell: Cell) -> Published:
        return marker if cell in hidden else grid.value(cell)

    rows, cols = len(table.rows), len(table.columns)
    return SuppressedTable(
        rows=list(table.rows),
        columns=list(table.columns),
        cells=[[shown((r, c)) for c in range(cols)] for r in range(rows)],
        row_totals=[shown((r, cols)) for r in range(rows)],
        column_totals=[shown((rows, c)) for c in range(cols)],
        total=shown((rows, cols)),
        threshold=threshold,
    )


# --- one-dimensional lists ----------------------------------------------------------------


def _list_determined(values: Sequence[int], total: int, hidden: set[int], index: int) -> bool:
    """Is hidden `index` (len(values) for the total) pinned, given sum(values) == total,
    every published number and every hidden number >= 1?"""
    everything = [*values, total]
    n = len(values)
    others = [i for i in hidden if i != index]
    if index == n:
        # The total moves with any hidden value (both rise; a fall needs it above 1).
        return not any(i < n for i in others)
    for i in others:
        if i == n:
            return False  # the value and the total rise together
        if everything[i] > 1 or everything[index] > 1:
            return False  # one rises, the other falls
    return True


def suppress_list(
    labels: Sequence[str], counts: Sequence[int], *, threshold: int = 10
) -> SuppressedList:
    """The publishable form of a list of counts and its total (one column with a total).

    The same rules as `suppress`: primary below the threshold, zeros published,
    secondary until no hidden number can be recomputed from the total (the smallest
    published non-zero count first, the total last).

    Raises ValueError for mismatched lengths, a count that is not an int >= 0, or a bad
    threshold.
    """
    _check_threshold(threshold)
    if len(labels) != len(counts):
        raise ValueError(f"counts: {len(counts)} values for {len(labels)} labels")
    for i, value in enumerate(counts):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"counts[{i}]: {value!r} is not a count (int >= 0)")
    values = list(counts)
    total = sum(values)
    everything = [*values, total]
    hidden = {i for i, v in enumerate(everything) if 0 < v < threshold}
    while True:
        pinned = next(
            (i for i in sorted(hidden) if _list_determined(values, total, hidden, i)), None
        )
        if pinned is None:
            break
        published = [i for i, v in enumerate(everything) if i not in hidden and v > 0]
        # Counts before the total, smallest first.
        published.sort(key=lambda i: (i == len(values), everything[i], i))
        chosen = next(
            (i for i in published if not _list_determined(values, total, hidden | {i}, pinned)),
            published[0],
        )
        hidden.add(chosen)
    marker = marker_for(threshold)
    shown = [marker if i in hidden else v for i, v in enumerate(everything)]
    return SuppressedList(
        labels=list(labels), values=shown[:-1], total=shown[-1], threshold=threshold
    )
