"""grading.scoring: pure functions, no database. Property tests for monotonicity and bounds."""

import importlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grading import scoring
from grading.exceptions import ScoringError


@st.composite
def tables(draw):
    """A valid NT2-style table: raw 0..max to non-decreasing scale scores within 100..900."""
    max_raw = draw(st.integers(min_value=1, max_value=60))
    steps = draw(st.lists(st.integers(0, 40), min_size=max_raw, max_size=max_raw))
    scale = draw(st.integers(100, 300))
    table = {"0": scale}
    for raw, step in enumerate(steps, start=1):
        scale = min(scale + step, 900)
        table[str(raw)] = scale
    pass_scale = draw(st.integers(100, 900))
    return max_raw, table, pass_scale


@given(tables(), st.data())
def test_scale_score_is_monotone_and_within_100_to_900(spec, data):
    max_raw, table, pass_scale = spec
    a = data.draw(st.integers(0, max_raw))
    b = data.draw(st.integers(0, max_raw))
    low, high = sorted((a, b))

    s_low = scoring.score(low, max_raw=max_raw, conversion_table=table, pass_scale_score=pass_scale)
    s_high = scoring.score(
        high, max_raw=max_raw, conversion_table=table, pass_scale_score=pass_scale
    )

    assert 100 <= s_low.scale <= s_high.scale <= 900
    assert not (s_low.passed and not s_high.passed)  # passing never turns into failing upwards
    assert s_low.passed == (s_low.scale >= pass_scale)


@given(st.integers(1, 100), st.data())
def test_cutoff_passes_exactly_from_the_cutoff_up(max_raw, data):
    cutoff = data.draw(st.integers(0, max_raw))
    raw = data.draw(st.integers(0, max_raw))

    result = scoring.score(raw, max_raw=max_raw, cutoff_raw=cutoff)

    assert result.passed == (raw >= cutoff)
    assert result.scale is None


@given(tables(), st.data())
def test_converter_agrees_with_score_for_every_raw(spec, data):
    max_raw, table, pass_scale = spec
    raw = data.draw(st.integers(0, max_raw))
    convert = scoring.make_converter(
        max_raw=max_raw, conversion_table=table, pass_scale_score=pass_scale
    )

    assert convert(raw) == scoring.score(
        raw, max_raw=max_raw, conversion_table=table, pass_scale_score=pass_scale
    )


@given(st.integers(0, 50), st.integers(1, 50))
def test_score_above_maximum_is_refused(max_raw, excess):
    with pytest.raises(ScoringError) as error:
        scoring.score(max_raw + excess, max_raw=max_raw, cutoff_raw=0)

    assert error.value.code == "score_above_maximum"


def test_negative_and_non_integer_raw_scores_are_refused():
    with pytest.raises(ScoringError) as negative:
        scoring.score(-1, max_raw=10, cutoff_raw=5)
    with pytest.raises(ScoringError) as fractional:
        scoring.score(2.5, max_raw=10, cutoff_raw=5)

    assert negative.value.code == "negative_score"
    assert fractional.value.code == "not_a_number"


def test_table_wins_over_cutoff_when_a_version_has_both():
    table = {str(r): 100 + r * 100 for r in range(9)}

    result = scoring.score(4, max_raw=8, cutoff_raw=8, conversion_table=table, pass_scale_score=500)

    assert result.passed is True
    assert result.scale == 500


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ({"0": 100, "1": 900}, "exactly the raw scores"),  # max 2: raw 2 missing
        ({"0": 100, "1": 600, "2": 500}, "decreases"),
        ({"0": 99, "1": 500, "2": 900}, "between 100 and 900"),
        ({"0": 100, "1": 500, "2": 901}, "between 100 and 900"),
        ({"0": 100, "1": 500.5, "2": 900}, "whole numbers"),
        ({"0": 100, "x": 500, "2": 900}, "raw score"),
    ],
)
def test_broken_conversion_tables_are_refused(table, problem, english):
    with pytest.raises(ScoringError, match=problem):
        scoring.parse_conversion_table(table, max_raw=2)


def test_a_table_without_a_pass_mark_is_refused():
    with pytest.raises(ScoringError):
        scoring.score(1, max_raw=1, conversion_table={"0": 100, "1": 900})


def test_seeded_nt2_table_puts_the_cutoff_on_500():
    seed = importlib.import_module("examens.migrations.0003_seed_exam_catalogue")
    table = seed.nt2_table(40, 26)

    assert scoring.score(26, max_raw=40, conversion_table=table, pass_scale_score=500).passed
    assert not scoring.score(25, max_raw=40, conversion_table=table, pass_scale_score=500).passed


# --- rubrics ----------------------------------------------------------------------------

ASPECTS = [
    {"code": "task", "max": 10},
    {"code": "vocabulary", "max": 10},
    {"code": "grammar", "max": 10},
]


@given(st.lists(st.integers(0, 10), min_size=3, max_size=3))
def test_rubric_total_is_the_sum_within_zero_and_the_maximum(points):
    scores = dict(zip(("task", "vocabulary", "grammar"), points, strict=True))

    _clean, total = scoring.rubric_total(scores, aspects=ASPECTS)

    assert total == sum(points)
    assert 0 <= total <= scoring.rubric_maximum(ASPECTS)


def test_gate_aspect_at_zero_scores_every_aspect_zero():
    clean, total = scoring.rubric_total(
        {"task": 0, "vocabulary": 8, "grammar": 7}, aspects=ASPECTS, gate_aspect="task"
    )

    assert total == 0
    assert clean == {"task": 0, "vocabulary": 0, "grammar": 0}


@pytest.mark.parametrize(
    ("scores", "code", "field"),
    [
        ({"task": 5, "vocabulary": 5}, "missing_score", "grammar"),
        ({"task": 5, "vocabulary": 5, "grammar": 11}, "score_out_of_range", "grammar"),
        ({"task": -1, "vocabulary": 5, "grammar": 5}, "score_out_of_range", "task"),
        ({"task": 5, "vocabulary": "5", "grammar": 5}, "not_a_number", "vocabulary"),
        ({"task": 5, "vocabulary": 5, "grammar": 5, "style": 1}, "unknown_aspect", "style"),
    ],
)
def test_rubric_refuses_bad_points_naming_the_aspect(scores, code, field):
    with pytest.raises(ScoringError) as error:
        scoring.rubric_total(scores, aspects=ASPECTS)

    assert (error.value.code, error.value.field) == (code, field)


# --- double rating ------------------------------------------------------------------------


@given(st.integers(0, 100), st.integers(0, 100), st.integers(0, 20))
def test_agreeing_raters_give_the_mean_rounded_half_up(a, b, tolerance):
    final = scoring.final_raw_score([a, b], tolerance=tolerance)

    if abs(a - b) <= tolerance:
        assert final == (a + b + 1) // 2
        assert min(a, b) <= final <= max(a, b)
    else:
        assert final is None  # undecided until the adjudicator rates


@given(st.integers(0, 100), st.integers(0, 100), st.integers(0, 100))
def test_adjudicator_rule_takes_the_adjudicators_total(a, b, c):
    final = scoring.final_raw_score([a, b], tolerance=0, rule="adjudicator", adjudication=c)

    assert final == (c if a != b else (a + b + 1) // 2)


def test_mean_rule_with_adjudication_averages_adjudicator_and_nearer_rater():
    assert scoring.final_raw_score([10, 20], tolerance=3, rule="mean", adjudication=18) == 19
    # a tie in distance: the higher rater counts (in the candidate's favour)
    assert scoring.final_raw_score([10, 20], tolerance=3, rule="mean", adjudication=15) == 18


def test_a_single_rater_decides_alone():
    assert scoring.final_raw_score([17], tolerance=0) == 17


def test_unknown_final_rule_is_refused():
    with pytest.raises(ScoringError):
        scoring.final_raw_score([1, 2], tolerance=0, rule="median")


@pytest.mark.parametrize(
    ("level", "required", "meets"),
    [("B1", "A2", True), ("A2", "B1", False), ("", "", True), ("A2", "", True), ("", "A2", False)],
)
def test_level_at_least_orders_cefr_levels(level, required, meets):
    assert scoring.level_at_least(level, required) is meets
