"""What the exchange API tells a case system beyond grading's serializers.

Progress and results are grading's (grading.serializers); here the result versions'
status and the certificates. No BSN anywhere, no free-text internal note (a
certificate's `status_reason`), no item content.
"""

from __future__ import annotations

from rest_framework import serializers

from certificates.models import Certificate
from certificates.selectors import verification_url
from examens.models import Level, Route
from grading.models import Result
from grading.serializers import RESULT_FIELDS, ResultSerializer


# grading's result, with the version's status: one serialisation of a result.
class ResultVersionSerializer(ResultSerializer):
    """A released version of a result; a correction is a new version that `corrects` it."""

    level = serializers.ChoiceField(choices=[("", ""), *Level.choices], read_only=True)
    status = serializers.ChoiceField(
        choices=[Result.Status.RELEASED, Result.Status.SUPERSEDED],
        read_only=True,
        help_text="`superseded`: a later version corrected this one.",
    )

    class Meta(ResultSerializer.Meta):
        fields = [*RESULT_FIELDS, "status", "is_current"]
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
