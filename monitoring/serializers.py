"""What the exchange API tells a case system: progress, result versions, certificates.

No BSN anywhere, no free-text internal note (a certificate's `status_reason`), no
item content. Names and date of birth appear only in progress, where a case system
needs them to match its own file (it knows the BSN; we never send it back).
"""

from __future__ import annotations

from rest_framework import serializers

from certificates.models import Certificate
from certificates.selectors import verification_url
from examens.models import Component, Level, Route
from grading.models import Result
from scheduling.models import Booking


class ProgressRequirementSerializer(serializers.Serializer):
    component = serializers.CharField(source="component_code", help_text="e.g. LEZ, KNM, MAP.")
    level = serializers.CharField(
        allow_blank=True, help_text="The level required, or the level stepped down to."
    )
    status = serializers.ChoiceField(
        choices=["passed", "exempted", "stepped_down_passed", "outstanding"]
    )
    optional = serializers.BooleanField()
    attempts_used = serializers.IntegerField(min_value=0)
    result = serializers.IntegerField(
        source="result_id", allow_null=True, help_text="The result that decides the status."
    )
    scale_score = serializers.IntegerField(allow_null=True)
    passed_on = serializers.DateField(allow_null=True)


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


def progress_row(candidate, progress) -> dict:
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


class ResultVersionSerializer(serializers.ModelSerializer):
    """A released version of a result; a correction is a new version that `corrects` it."""

    component: serializers.SlugRelatedField[Component] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    level = serializers.ChoiceField(choices=[("", ""), *Level.choices], read_only=True)
    booking_reference: serializers.SlugRelatedField[Booking] = serializers.SlugRelatedField(
        source="booking", slug_field="reference", read_only=True, allow_null=True
    )
    status = serializers.ChoiceField(
        choices=[Result.Status.RELEASED, Result.Status.SUPERSEDED],
        read_only=True,
        help_text="`superseded`: a later version corrected this one.",
    )
    corrects: serializers.PrimaryKeyRelatedField[Result] = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )

    class Meta:
        model = Result
        fields = [
            "id",
            "candidate",
            "component",
            "level",
            "booking_reference",
            "version",
            "status",
            "is_current",
            "outcome",
            "raw_score",
            "scale_score",
            "sat_on",
            "released_at",
            "corrects",
            "correction_reason",
        ]
        read_only_fields = fields


class CertificateSerializer(serializers.ModelSerializer):
    """A certificate's status as verifiers see it: the reason code, never the internal note."""

    route: serializers.SlugRelatedField[Route] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    regime = serializers.CharField(source="route.regime.code", read_only=True)
    reason_code = serializers.CharField(
        source="status_reason_code",
        read_only=True,
        allow_blank=True,
        help_text="Suspended or revoked: why (e.g. `result_corrected`); empty while valid.",
    )
    verification_url = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = [
            "id",
            "serial",
            "candidate",
            "regime",
            "route",
            "status",
            "reason_code",
            "status_changed_at",
            "issued_on",
            "issued_at",
            "verification_url",
        ]
        read_only_fields = fields

    def get_verification_url(self, certificate: Certificate) -> str:
        return verification_url(certificate.payload)
