"""API routes of grading (mounted under /api/v1/ by config/api_urls.py).

- POST results/imports/ : machine scores as CSV (text/csv) or a JSON list; scope results:write.
- GET results/, results/{id}/ : released results, current versions; scope results:read.

A machine client sees the candidates of its organisation (the agency: all;
a municipality: its residents; a provider: residents of the municipalities
that contracted it); a person needs a verified second factor and sees the
candidates they may see in the registry.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import BaseParser
from rest_framework.response import Response
from rest_framework.views import APIView

from examens.api_auth import MachineClient
from examens.api_errors import ErrorSerializer
from examens.api_input import IdField, read_query
from examens.authz import ClientActor

from . import permissions
from .models import Result
from .score_file import check_size
from .serializers import ResultSerializer
from .services import import_machine_scores
from .services.imports import import_limits


class RawBytesParser(BaseParser):
    """Keeps the exact bytes: the file's SHA-256 makes a re-import a no-op.

    Reads at most RESULT_IMPORT_MAX_BYTES (+1 to notice more): a body over the
    limit is refused by its Content-Length before it is read, or as soon as
    the limit is passed, never buffered whole.
    """

    # DRF puts whatever a parser returns in request.data; the stubs allow only a mapping.
    def parse(self, stream, media_type=None, parser_context=None) -> bytes:  # type: ignore[override]
        limits = import_limits()
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH", "") if request is not None else ""
        if str(declared).isdigit():
            check_size(int(declared), limits)
        content = stream.read(limits.max_bytes + 1)
        check_size(len(content), limits)
        return content


class RawCsvParser(RawBytesParser):
    media_type = "text/csv"


class RawJsonParser(RawBytesParser):
    media_type = "application/json"


class ImportRowSerializer(serializers.Serializer):
    booking_reference = serializers.CharField()
    component = serializers.CharField()
    raw_score = serializers.IntegerField(min_value=0, max_value=2**31 - 1)


class ImportOutcomeSerializer(serializers.Serializer):
    batch = serializers.IntegerField()
    created = serializers.BooleanField(help_text="False: this file was imported before.")
    row_count = serializers.IntegerField()
    sha256 = serializers.CharField()


class ResultImportView(APIView):
    """Import machine scores, all or nothing; the same file again changes nothing."""

    required_write_scope = "results:write"
    parser_classes = [RawCsvParser, RawJsonParser]

    @extend_schema(
        operation_id="results_import",
        request={"text/csv": OpenApiTypes.STR, "application/json": ImportRowSerializer(many=True)},
        parameters=[
            OpenApiParameter(
                "X-Filename",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="The file's name, kept with the batch (first 200 characters).",
            )
        ],
        responses={
            201: ImportOutcomeSerializer,
            200: ImportOutcomeSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                description="Nothing was imported: `details.errors` names every bad line "
                "(`line`, `field`, `code`, `message`).",
            ),
            413: OpenApiResponse(
                ErrorSerializer,
                description="Over a size limit (`file_too_large`, `too_many_rows`); nothing was "
                "imported: `details.limit` names the setting, `details.maximum` its value.",
            ),
        },
    )
    def post(self, request):
        content = request.data if isinstance(request.data, bytes) else b""
        fmt = "csv" if request.content_type.startswith("text/csv") else "json"
        if isinstance(request.user, MachineClient):
            actor = ClientActor(
                f"api-token:{request.auth.prefix}", organisation=request.user.organisation
            )
        else:
            actor = request.user
        outcome = import_machine_scores(
            content,
            actor=actor,
            fmt=fmt,
            filename=request.headers.get("X-Filename", "")[:200],
            organisation_ids=permissions.import_scope(actor),
        )
        body = ImportOutcomeSerializer(
            {
                "batch": outcome.batch.pk,
                "created": outcome.created,
                "row_count": outcome.row_count,
                "sha256": outcome.batch.sha256,
            }
        ).data
        return Response(body, status=status.HTTP_201_CREATED if outcome.created else 200)


class ResultQuerySerializer(serializers.Serializer):
    candidate = IdField(required=False, help_text="Only this candidate's results.")


class ResultQuerysetMixin(generics.GenericAPIView[Result]):
    required_scope = "results:read"
    serializer_class = ResultSerializer

    def get_queryset(self) -> QuerySet[Result]:
        return (
            Result.objects.filter(
                is_current=True,
                status=Result.Status.RELEASED,
                candidate__in=permissions.api_candidates(self.request.user),
            )
            .select_related("component", "booking")
            .order_by("pk")
        )


class ResultListView(ResultQuerysetMixin, generics.ListAPIView[Result]):
    """Released, current results (pass/fail and scores; never item content)."""

    @extend_schema(parameters=[ResultQuerySerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Result]:
        candidate = read_query(self.request, ResultQuerySerializer).get("candidate")
        results = super().get_queryset()
        return results if candidate is None else results.filter(candidate_id=candidate)


class ResultDetailView(ResultQuerysetMixin, generics.RetrieveAPIView[Result]):
    pass


urlpatterns = [
    path("results/", ResultListView.as_view(), name="results-list"),
    path("results/imports/", ResultImportView.as_view(), name="results-import"),
    path("results/<api_id:pk>/", ResultDetailView.as_view(), name="results-detail"),
]
