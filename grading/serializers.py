"""How grading's results and progress are told through the API (grading and monitoring).

No BSN, no item content. Names and date of birth appear only in progress, where a
case system needs them to match its own file (it knows the BSN; we never send it).
"""

from __future__ import annotations

from rest_framework import serializers

from examens.models import Candidate, Component
from scheduling.models import Booking

from .models import Result
from .selectors import (
    STATUS_EXEMPTED,
    STATUS_OUTSTANDING,
    STATUS_PASSED,
    STATUS_STEPPED_DOWN_PASSED,
    Progress,
    candidates_progress,
)

RESULT_FIELDS = [
    "id",
    "candidate",
    "component",
    "level",
    "booking_reference",
    "version",
    "outcome",
    "raw_score",
    "scale_score",
    "sat_on",
    "released_at",
    "corrects",
    "correction_reason",
]


class ResultSerializer(serializers.ModelSerializer):
    """A released result: pass/fail and scores, never item content."""

    component: serializers.SlugRelatedField[Component] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    candidate: serializers.PrimaryKeyRelatedField[Candidate] = serializers.PrimaryKeyRelatedField(
        read_only=True
    )
    booking_reference: serializers.SlugRelatedField[Booking] = serializers.SlugRelatedField(
        source="booking", slug_field="reference", read_only=True, allow_null=True
    )
    corrects: serializers.PrimaryKeyRelatedField[Result] = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )

    class Meta:
        model = Result
        fields = RESULT_FIELDS


class ProgressRequirementSerializer(serializers.Serializer):
    component = serializers.CharField(source="component_code", help_text="e.g. LEZ, KNM, MAP.")
    level = serializers.CharField(
        allow_blank=True, help_text="The level required, or the level stepped down to."
    )
    status = serializers.ChoiceField(
        choices=[STATUS_PASSED, STATUS_EXEMPTED, STATUS_STEPPED_DOWN_PASSED, STATUS_OUTSTANDING]
    )
    optional = serializers.BooleanField()
    attempts_used = serializers.IntegerField(min_value=0)
    result = serializers.IntegerField(
        source="result_id", allow_null=True, help_text="The result that decides the status."
    )
    scale_score = serializers.IntegerField(allow_null=True)
    passed_on = serializers.DateField(allow_null=True)


# Serialise with `progress_of` below: a page of candidates (their route's regime and
# their municipality selected) in a fixed number of queries.
class ProgressSerializer(serializers.Serializer):
    """One candidate's progress: computed by grading.selectors.candidate_progress."""

    id = serializers.IntegerField()
    given_names = serializers.CharField()
    family_name = serializers.CharField()
    date_of_birth = serializers.DateField()
    municipality_cbs_code = serializers.CharField(allow_blank=True)
    regime = serializers.CharField()
    route = serializers.CharField()
    term_start = serializers.DateField()
    term_end = serializers.DateField(help_text="Including every term extension granted.")
    complete = serializers.BooleanField(help_text="Every required component is satisfied.")
    requirements = ProgressRequirementSerializer(many=True)


def progress_data(candidate: Candidate, progress: Progress) -> dict:
    """What ProgressSerializer serialises: the candidate and the rule's verdict."""
    return {
        "id": candidate.pk,
        "given_names": candidate.given_names,
        "family_name": candidate.family_name,
        "date_of_birth": candidate.date_of_birth,
        "municipality_cbs_code": candidate.municipality.cbs_code,
        "regime": candidate.route.regime.code,
        "route": candidate.route.code,
        "term_start": candidate.term_start,
        "term_end": progress.term_end,
        "complete": progress.complete,
        "requirements": progress.items,
    }


def progress_of(candidates: list[Candidate]) -> list[dict]:
    """ProgressSerializer's data for each candidate, in their order (candidates_progress)."""
    verdicts = candidates_progress(candidates)
    rows = [progress_data(candidate, verdicts[candidate.pk]) for candidate in candidates]
    return list(ProgressSerializer(rows, many=True).data)
