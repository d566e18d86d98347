"""Small-cell suppression: nothing under the threshold shown, nothing hidden recomputable.

The property tests attack each published table the way a reader could: an integer
program per hidden number (tests/monitoring/disclosure.py) finds every value it can
take given the published numbers, the totals and that a hidden count is >= 1. The
tests are derandomised and bounded (the suite's Hypothesis profile).
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitoring.suppression import Table, suppress, suppress_list
from tests.monitoring.disclosure import list_ranges, table_ranges

PROPERTY = settings(derandomize=True, deadline=None, max_examples=150, database=None)

# Mostly small counts, where suppression has work to do; ones and zeros often, as
# they pin cells most easily; some large ones to be published.
counts = st.one_of(
    st.sampled_from([0, 0, 1, 1, 1, 2, 3, 9]),
    st.integers(min_value=0, max_value=12),
    st.integers(min_value=10, max_value=60),
)


@st.composite
def tables(draw):
    height = draw(st.integers(min_value=1, max_value=4))
    width = draw(st.integers(min_value=1, max_value=4))
    cells = [[draw(counts) for _ in range(width)] for _ in range(height)]
    return Table(
        rows=[f"r{r}" for r in range(height)], columns=[f"c{c}" for c in range(width)], cells=cells
    )


def published_grid(result):
    grid = [[*line, total] for line, total in zip(result.cells, result.row_totals, strict=True)]
    grid.append([*result.column_totals, result.total])
    return grid


def true_grid(table):
    grid = [[*line, total] for line, total in zip(table.cells, table.row_totals, strict=True)]
    grid.append([*table.column_totals, table.total])
    return grid


def undetermined(ranges):
    """The hidden numbers a reader can pin to one value (should be none)."""
    return {place: bounds for place, bounds in ranges.items() if bounds[0] == bounds[1]}


@PROPERTY
@given(table=tables(), threshold=st.sampled_from([3, 10]))
def test_no_suppressed_cell_can_be_recomputed(table, threshold):
    result = suppress(table, threshold=threshold)
    ranges = table_ranges(result.cells, result.row_totals, result.column_totals, result.total)
    assert undetermined(ranges) == {}
    truth = true_grid(table)
    for (r, c), (low, high) in ranges.items():
        assert low <= truth[r][c] <= high  # the attack is sound: the truth is feasible


@PROPERTY
@given(table=tables(), threshold=st.sampled_from([3, 10]))
def test_every_number_under_the_threshold_is_hidden_and_every_shown_one_is_true(table, threshold):
    result = suppress(table, threshold=threshold)
    for shown, true in zip(
        (v for line in published_grid(result) for v in line),
        (v for line in true_grid(table) for v in line),
        strict=True,
    ):
        if 0 < true < threshold:
            assert shown == f"<{threshold}"
        else:
            assert shown in (true, f"<{threshold}")
        if true == 0:
            assert shown == 0


@PROPERTY
@given(values=st.lists(counts, min_size=1, max_size=8), threshold=st.sampled_from([3, 10]))
def test_no_suppressed_value_of_a_list_can_be_recomputed(values, threshold):
    result = suppress_list([f"v{i}" for i in range(len(values))], values, threshold=threshold)
    ranges = list_ranges(result.values, result.total)
    assert undetermined(ranges) == {}
    for place, shown in enumerate([*result.values, result.total]):
        true = [*values, sum(values)][place]
        if 0 < true < threshold:
            assert shown == f"<{threshold}"
        else:
            assert shown in (true, f"<{threshold}")


def test_the_attack_finds_what_hiding_two_per_row_and_column_leaves_open():
    # The rule "at least two hidden in every row and column that has one" accepts this:
    # each row holds two hidden 1s, each column with a hidden 1 also hides its total of
    # 2. But row 0 publishes 20 and its total 22, so its hidden pair sums to 2: both 1.
    marker = "<10"
    cells = [[marker, marker, 20], [marker, marker, 20]]
    ranges = table_ranges(cells, [22, 22], [marker, marker, 40], 44)
    ones = {place: (1, 1) for place in [(0, 0), (0, 1), (1, 0), (1, 1)]}
    assert undetermined(ranges) == {**ones, (2, 0): (2, 2), (2, 1): (2, 2)}


def test_suppression_protects_the_table_the_simple_rule_leaves_open():
    table = Table(rows=["a", "b"], columns=["x", "y", "z"], cells=[[1, 1, 20], [1, 1, 20]])
    result = suppress(table)
    ranges = table_ranges(result.cells, result.row_totals, result.column_totals, result.total)
    assert ranges
    assert undetermined(ranges) == {}


def test_a_chain_of_pairs_is_protected():
    # Each small cell has a partner in its row and its column, but the pairs form a
    # chain whose end is pinned by the published large cells.
    table = Table(
        rows=["a", "b", "c"],
        columns=["x", "y", "z"],
        cells=[[1, 1, 30], [1, 30, 1], [30, 1, 1]],
    )
    result = suppress(table)
    ranges = table_ranges(result.cells, result.row_totals, result.column_totals, result.total)
    assert undetermined(ranges) == {}
    assert result.cells[0][0] == "<10"


def test_a_table_of_large_counts_is_published_unchanged():
    cells = [[10, 25, 40], [11, 300, 12]]
    result = suppress(Table(rows=["a", "b"], columns=["x", "y", "z"], cells=cells))
    assert result.cells == cells
    assert result.row_totals == [75, 323]
    assert result.column_totals == [21, 325, 52]
    assert result.total == 398
    assert result.hidden_count == 0


def test_zeros_are_published():
    result = suppress(Table(rows=["a", "b"], columns=["x", "y"], cells=[[0, 20], [0, 30]]))
    assert result.cells == [[0, 20], [0, 30]]
    assert result.column_totals == [0, 50]


def test_a_small_total_is_hidden_with_its_cells():
    result = suppress(Table(rows=["a", "b"], columns=["x", "y"], cells=[[4, 3], [40, 50]]))
    assert result.row_totals[0] == "<10"
    assert result.cells[0] == ["<10", "<10"]
    ranges = table_ranges(result.cells, result.row_totals, result.column_totals, result.total)
    assert undetermined(ranges) == {}


def test_the_marker_names_the_threshold():
    result = suppress(Table(rows=["a"], columns=["x", "y"], cells=[[3, 40]]), threshold=5)
    assert result.marker == "<5"
    assert result.cells[0][0] == "<5"


def test_a_single_small_cell_takes_a_second_one_with_it():
    result = suppress(Table(rows=["a", "b"], columns=["x", "y"], cells=[[3, 40], [50, 60]]))
    assert result.hidden_count >= 4  # the 3, a partner in its row, column and the fourth
    assert result.cells[1][1] == "<10"  # the 2 x 2 rectangle closes through the 60


def test_suppression_is_deterministic():
    table = Table(rows=["a", "b", "c"], columns=["x", "y"], cells=[[1, 20], [2, 0], [30, 5]])
    assert suppress(table) == suppress(table)


def test_a_list_hides_a_second_value_for_a_lone_small_one():
    result = suppress_list(["a", "b", "c"], [3, 40, 50])
    assert result.values == ["<10", "<10", 50]
    assert result.total == 93


def test_a_list_of_large_values_is_published_unchanged():
    result = suppress_list(["a", "b"], [10, 20])
    assert result.items() == [("a", 10), ("b", 20)]
    assert result.total == 30


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ([[1, -1]], r"cells\[0\]\[1\]"),
        ([[1, 2.5]], r"cells\[0\]\[1\]"),
        ([[1, True]], r"cells\[0\]\[1\]"),
        ([[1]], r"cells\[0\]: 1 values for 2"),
    ],
)
def test_a_bad_cell_is_refused_by_name(cells, message):
    with pytest.raises(ValueError, match=message):
        Table(rows=["a"], columns=["x", "y"], cells=cells)


@pytest.mark.parametrize("threshold", [0, -3, 2.5, True])
def test_a_bad_threshold_is_refused(threshold):
    with pytest.raises(ValueError, match="threshold"):
        suppress(Table(rows=["a"], columns=["x"], cells=[[1]]), threshold=threshold)
    with pytest.raises(ValueError, match="threshold"):
        suppress_list(["a"], [1], threshold=threshold)


def test_a_list_refuses_mismatched_lengths_and_bad_counts():
    with pytest.raises(ValueError, match="counts: 1 values for 2 labels"):
        suppress_list(["a", "b"], [1])
    with pytest.raises(ValueError, match=r"counts\[0\]"):
        suppress_list(["a"], [-1])
