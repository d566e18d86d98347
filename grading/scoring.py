"""Raw score -> scale score -> pass/fail, rubric totals and the double-rating rules.

Pure functions: no database, no settings, no clock. Integers only (never
float): a mean of two raw scores is rounded half up, in the candidate's
favour. Every rule that is policy (cut-off, table, tolerance, final rule)
comes in as an argument, because it is data on the exam version or component.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .exceptions import ScoringError

SCALE_MIN = 100
SCALE_MAX = 900

RULE_MEAN = "mean"
RULE_ADJUDICATOR = "adjudicator"

LEVEL_ORDER = ("A0", "A1", "A2", "B1", "B2")


@dataclass(frozen=True)
class Score:
    raw: int
    scale: int | None  # None for a version with a raw cut-off and no table
    passed: bool


def parse_conversion_table(table: Mapping[str, int] | None, *, max_raw: int) -> dict[int, int]:
    """Validate a raw-to-scale table and return it with integer keys.

    Rules: one entry for every raw score 0..max_raw and no other; every scale
    score an integer within 100..900; never decreasing as raw grows.
    Raises ScoringError (field `conversion_table`).
    """
    if not table:
        raise ScoringError(_("The conversion table is empty."), field="conversion_table")
    try:
        parsed = {int(key): value for key, value in table.items()}
    except (TypeError, ValueError) as exc:
        raise ScoringError(
            _("Every key of the conversion table must be a raw score."), field="conversion_table"
        ) from exc
    if set(parsed) != set(range(max_raw + 1)):
        raise ScoringError(
            _("The conversion table needs exactly the raw scores 0 to %(max)d.") % {"max": max_raw},
            field="conversion_table",
        )
    previous = SCALE_MIN
    for raw in range(max_raw + 1):
        scale = parsed[raw]
        if isinstance(scale, bool) or not isinstance(scale, int):
            raise ScoringError(_("Scale scores must be whole numbers."), field="conversion_table")
        if not SCALE_MIN <= scale <= SCALE_MAX:
            raise ScoringError(_("Scale scores lie between 100 and 900."), field="conversion_table")
        if scale < previous:
            raise ScoringError(
                _("The conversion table decreases at raw score %(raw)d.") % {"raw": raw},
                field="conversion_table",
            )
        previous = scale
    return parsed


def check_raw(raw: int, *, max_raw: int) -> int:
    """Return `raw` if it is a whole number within 0..max_raw, else raise ScoringError."""
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise ScoringError(_("A raw score is a whole number."), code="not_a_number", field="raw")
    if raw < 0:
        raise ScoringError(_("A raw score cannot be negative."), code="negative_score", field="raw")
    if raw > max_raw:
        raise ScoringError(
            _("The raw score %(raw)d is above this version's maximum of %(max)d.")
            % {"raw": raw, "max": max_raw},
            code="score_above_maximum",
            field="raw",
        )
    return raw


def score(
    raw: int,
    *,
    max_raw: int,
    cutoff_raw: int | None = None,
    conversion_table: Mapping[str, int] | None = None,
    pass_scale_score: int | None = None,
) -> Score:
    """Convert a raw score through the version's table or cut-off.

    With a table (NT2 style) the scale score decides: pass when it reaches
    `pass_scale_score`. With only a raw cut-off, pass when raw reaches it and
    there is no scale score. A table wins when a version has both.
    Raises ScoringError for a raw score outside 0..max_raw or a broken table.
    """
    check_raw(raw, max_raw=max_raw)
    if conversion_table:
        if pass_scale_score is None:
            raise ScoringError(
                _("A conversion table needs the scale score that passes."),
                field="pass_scale_score",
            )
        table = parse_conversion_table(conversion_table, max_raw=max_raw)
        scale = table[raw]
        return Score(raw=raw, scale=scale, passed=scale >= pass_scale_score)
    if cutoff_raw is None:
        raise ScoringError(_("The version has neither a cut-off nor a table."), field="cutoff_raw")
    return Score(raw=raw, scale=None, passed=raw >= cutoff_raw)


# --- rubrics ---------------------------------------------------------------------


def rubric_maximum(aspects: Sequence[Mapping]) -> int:
    return sum(int(aspect["max"]) for aspect in aspects)


def rubric_total(
    scores: Mapping[str, int], *, aspects: Sequence[Mapping], gate_aspect: str = ""
) -> tuple[dict[str, int], int]:
    """Check one rater's points per aspect and return (points after the gate, total).

    Rules: every aspect of the rubric scored, no unknown aspect, whole
    numbers within 0..the aspect's max. When the gate aspect scores 0 (for
    example "off-topic"), every aspect counts as 0. Raises ScoringError
    naming the aspect as field.
    """
    codes = [aspect["code"] for aspect in aspects]
    unknown = sorted(set(scores) - set(codes))
    if unknown:
        raise ScoringError(
            _("Unknown aspect: %(code)s") % {"code": unknown[0]},
            code="unknown_aspect",
            field=unknown[0],
        )
    clean: dict[str, int] = {}
    for aspect in aspects:
        code = aspect["code"]
        if code not in scores or scores[code] is None:
            raise ScoringError(_("Every aspect needs a score."), code="missing_score", field=code)
        value = scores[code]
        if isinstance(value, bool) or not isinstance(value, int):
            raise ScoringError(_("Points are whole numbers."), code="not_a_number", field=code)
        if not 0 <= value <= int(aspect["max"]):
            raise ScoringError(
                _("Points for this aspect lie between 0 and %(max)d.") % {"max": aspect["max"]},
                code="score_out_of_range",
                field=code,
            )
        clean[code] = value
    if gate_aspect and clean.get(gate_aspect) == 0:
        clean = dict.fromkeys(clean, 0)
    return clean, sum(clean.values())


# --- double rating ----------------------------------------------------------------


def mean_half_up(a: int, b: int) -> int:
    """The mean of two whole numbers, rounded half up (in the candidate's favour)."""
    return (a + b + 1) // 2


def ratings_agree(first: int, second: int, *, tolerance: int) -> bool:
    """Two raters agree when their totals differ by no more than the tolerance."""
    return abs(first - second) <= tolerance


def final_raw_score(
    totals: Sequence[int],
    *,
    tolerance: int,
    rule: str = RULE_MEAN,
    adjudication: int | None = None,
) -> int | None:
    """The final raw score from the independent raters' totals, or None if it is not decided yet.

    One rater: their total. Two raters who agree: the mean (half up). Two
    raters who disagree: None until the adjudicator rated; then the
    adjudicator's total (rule "adjudicator") or the mean of the adjudicator's
    total and the nearer of the two (rule "mean"; the higher one on a tie).
    """
    if rule not in (RULE_MEAN, RULE_ADJUDICATOR):
        raise ScoringError(_("Unknown final score rule."), field="final_rule")
    if not totals:
        return None
    if len(totals) == 1:
        return totals[0]
    first, second = totals[0], totals[1]
    if ratings_agree(first, second, tolerance=tolerance):
        return mean_half_up(first, second)
    if adjudication is None:
        return None
    if rule == RULE_ADJUDICATOR:
        return adjudication
    nearer = min((first, second), key=lambda total: (abs(total - adjudication), -total))
    return mean_half_up(adjudication, nearer)


def needs_adjudication(totals: Sequence[int], *, tolerance: int) -> bool:
    return len(totals) >= 2 and not ratings_agree(totals[0], totals[1], tolerance=tolerance)


# --- levels ----------------------------------------------------------------------------


def level_at_least(level: str, required: str) -> bool:
    """Whether `level` meets `required`; an empty requirement (KNM, PVT) is met by any level."""
    if not required:
        return True
    if not level:
        return False
    return LEVEL_ORDER.index(level) >= LEVEL_ORDER.index(required)


def make_converter(
    *,
    max_raw: int,
    cutoff_raw: int | None = None,
    conversion_table: Mapping[str, int] | None = None,
    pass_scale_score: int | None = None,
):
    """`score` with the version's table parsed once: for converting many rows of one version.

    Returns a function raw -> Score that behaves exactly like `score` with the
    same arguments (the property tests check that).
    """
    if conversion_table:
        if pass_scale_score is None:
            raise ScoringError(
                _("A conversion table needs the scale score that passes."),
                field="pass_scale_score",
            )
        table = parse_conversion_table(conversion_table, max_raw=max_raw)

        def convert(raw: int) -> Score:
            check_raw(raw, max_raw=max_raw)
            scale = table[raw]
            return Score(raw=raw, scale=scale, passed=scale >= pass_scale_score)

        return convert
    if cutoff_raw is None:
        raise ScoringError(_("The version has neither a cut-off nor a table."), field="cutoff_raw")

    def convert_cutoff(raw: int) -> Score:
        check_raw(raw, max_raw=max_raw)
        return Score(raw=raw, scale=None, passed=raw >= cutoff_raw)

    return convert_cutoff
