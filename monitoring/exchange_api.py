"""The exchange API for municipal case systems (mounted under /api/v1/exchange/).

- GET exchange/progress/, progress/{id}/ : each candidate's route, term end and every
  requirement's status, level and attempts (grading's rule and serializer:
  grading.serializers.progress_of); scope `progress:read`.
- GET exchange/results/, results/{id}/ : every released version of every result,
  corrected ones included (`status` superseded, `corrects` on the newer version);
  scope `results:read`.
- GET exchange/certificates/, certificates/{id}/ : certificates issued, suspended or
  revoked, with the reason code and the verification URL; scope `certificates:read`.

Whose candidates: grading.permissions.api_candidates, the rule of grading's results
API (a token acts for its organisation: the agency everyone, a municipality its
residents, a provider the residents of the municipalities that contracted it; a
person needs a verified second factor and sees whom the registry lets them see).
Another organisation's id is a 404.

Lists walk in id order with an opaque cursor (monitoring.pagination): every row
exactly once, even when rows are added between pages. `?updated_since=` keeps a
sync small: only what changed at or after that moment (see each list).

Queries: a fixed number per page, whatever its size (progress: the page and
grading.selectors.candidates_progress's five).

Every read of personal data by a machine client is logged on `monitoring.exchange`
(token prefix, operation, candidate ids; never a name or BSN).
"""

from __future__ import annotations

import logging

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response

from certificates.models import Certificate
from examens.api_auth import MachineClient
from examens.api_errors import ErrorSerializer
from examens.api_input import IdField, read_query
from examens.models import Candidate, Decision
from grading.models import Result
from grading.permissions import api_candidates
from grading.serializers import ProgressSerializer, progress_of

from .pagination import IdCursorPagination, ProgressCursorPagination
from .serializers import CertificateSerializer, ResultVersionSerializer

access_log = logging.getLogger("monitoring.exchange")


UNKNOWN_CURSOR = OpenApiResponse(
    ErrorSerializer, description="`not_found`: the cursor is not one this API gave out."
)


class BoundedDateTimeField(serializers.DateTimeField):
    """A DateTimeField whose timezone conversion cannot overflow (year 1 at +23:59)."""

    def enforce_timezone(self, value):
        try:
            return super().enforce_timezone(value)
        except OverflowError:
            self.fail("invalid", format="ISO 8601")


class ExchangeQuerySerializer(serializers.Serializer):
    candidate = IdField(required=False, help_text="Only this candidate.")
    updated_since = BoundedDateTimeField(
        required=False, help_text="ISO 8601; only what changed at or after this moment."
    )


def log_read(request, operation: str, candidate_ids: list[int]) -> None:
    if isinstance(request.user, MachineClient) and candidate_ids:
        access_log.info(
            "token %s read %s of candidates %s",
            request.user.token.prefix,
            operation,
            ",".join(str(pk) for pk in sorted(set(candidate_ids))),
        )


class ExchangeView(generics.GenericAPIView):
    pagination_class = IdCursorPagination
    operation = ""

    def query(self) -> dict:
        return read_query(self.request, ExchangeQuerySerializer)

    def visible(self) -> QuerySet[Candidate]:
        return api_candidates(self.request.user)

    def list_response(self, data: list[dict], candidate_ids: list[int]) -> Response:
        log_read(self.request, self.operation, candidate_ids)
        return self.get_paginated_response(data)


# --- progress ---------------------------------------------------------------------------


class ProgressMixin(ExchangeView):
    required_scope = "progress:read"
    serializer_class = ProgressSerializer
    operation = "progress"

    def get_queryset(self) -> QuerySet[Candidate]:
        return self.visible().select_related("route__regime", "municipality").order_by("pk")

    def rows(self, candidates: list[Candidate]) -> list[dict]:
        return progress_of(candidates)


class ProgressListView(ProgressMixin, generics.ListAPIView):
    """Each candidate's progress against their route.

    `updated_since`: candidates registered, with a result released or corrected, or a
    decision recorded or withdrawn at or after that moment.
    """

    pagination_class = ProgressCursorPagination

    @extend_schema(
        parameters=[ExchangeQuerySerializer],
        responses={200: ProgressSerializer(many=True), 404: UNKNOWN_CURSOR},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def list(self, request, *args, **kwargs):
        query = self.query()
        candidates = self.get_queryset()
        if "candidate" in query:
            candidates = candidates.filter(pk=query["candidate"])
        since = query.get("updated_since")
        if since is not None:
            released = Result.objects.filter(candidate=OuterRef("pk"), released_at__gte=since)
            decided = Decision.objects.filter(candidate=OuterRef("pk")).filter(
                Q(created_at__gte=since) | Q(withdrawn_at__gte=since)
            )
            candidates = candidates.filter(
                Q(created_at__gte=since) | Exists(released) | Exists(decided)
            )
        page = self.paginate_queryset(candidates)
        return self.list_response(self.rows(page), [c.pk for c in page])


class ProgressDetailView(ProgressMixin, generics.RetrieveAPIView):
    def retrieve(self, request, *args, **kwargs):
        candidate = self.get_object()
        log_read(request, self.operation, [candidate.pk])
        return Response(self.rows([candidate])[0])


# --- results ----------------------------------------------------------------------------


class ResultMixin(ExchangeView):
    required_scope = "results:read"
    serializer_class = ResultVersionSerializer
    operation = "results"

    def get_queryset(self) -> QuerySet[Result]:
        return (
            Result.objects.filter(
                status__in=(Result.Status.RELEASED, Result.Status.SUPERSEDED),
                released_at__isnull=False,
                candidate__in=self.visible(),
            )
            .select_related("component", "booking")
            .order_by("pk")
        )


class ResultVersionListView(ResultMixin, generics.ListAPIView):
    """Every released version of every result, corrected versions included.

    `updated_since`: versions released at or after that moment (a correction is a new
    version whose `corrects` names the one it replaces).
    """

    @extend_schema(
        parameters=[ExchangeQuerySerializer],
        responses={200: ResultVersionSerializer(many=True), 404: UNKNOWN_CURSOR},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def list(self, request, *args, **kwargs):
        query = self.query()
        results = self.get_queryset()
        if "candidate" in query:
            results = results.filter(candidate_id=query["candidate"])
        if "updated_since" in query:
            results = results.filter(released_at__gte=query["updated_since"])
        page = self.paginate_queryset(results)
        data = list(self.get_serializer(page, many=True).data)
        return self.list_response(data, [r.candidate_id for r in page])


class ResultVersionDetailView(ResultMixin, generics.RetrieveAPIView):
    def retrieve(self, request, *args, **kwargs):
        result = self.get_object()
        log_read(request, self.operation, [result.candidate_id])
        return Response(self.get_serializer(result).data)


# --- certificates -----------------------------------------------------------------------


class CertificateMixin(ExchangeView):
    required_scope = "certificates:read"
    serializer_class = CertificateSerializer
    operation = "certificates"

    def get_queryset(self) -> QuerySet[Certificate]:
        return (
            Certificate.objects.filter(candidate__in=self.visible())
            .select_related("route__regime")
            .order_by("pk")
        )


class CertificateListView(CertificateMixin, generics.ListAPIView):
    """Certificates issued, suspended or revoked.

    `updated_since`: certificates issued, or whose status changed, at or after that moment.
    """

    @extend_schema(
        parameters=[ExchangeQuerySerializer],
        responses={200: CertificateSerializer(many=True), 404: UNKNOWN_CURSOR},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def list(self, request, *args, **kwargs):
        query = self.query()
        certificates = self.get_queryset()
        if "candidate" in query:
            certificates = certificates.filter(candidate_id=query["candidate"])
        since = query.get("updated_since")
        if since is not None:
            certificates = certificates.filter(
                Q(issued_at__gte=since) | Q(status_changed_at__gte=since)
            )
        page = self.paginate_queryset(certificates)
        data = list(self.get_serializer(page, many=True).data)
        return self.list_response(data, [c.candidate_id for c in page])


class CertificateDetailView(CertificateMixin, generics.RetrieveAPIView):
    def retrieve(self, request, *args, **kwargs):
        certificate = self.get_object()
        log_read(request, self.operation, [certificate.candidate_id])
        return Response(self.get_serializer(certificate).data)


urlpatterns = [
    path("exchange/progress/", ProgressListView.as_view(), name="exchange-progress-list"),
    path(
        "exchange/progress/<api_id:pk>/",
        ProgressDetailView.as_view(),
        name="exchange-progress-detail",
    ),
    path("exchange/results/", ResultVersionListView.as_view(), name="exchange-results-list"),
    path(
        "exchange/results/<api_id:pk>/",
        ResultVersionDetailView.as_view(),
        name="exchange-results-detail",
    ),
    path(
        "exchange/certificates/",
        CertificateListView.as_view(),
        name="exchange-certificates-list",
    ),
    path(
        "exchange/certificates/<api_id:pk>/",
        CertificateDetailView.as_view(),
        name="exchange-certificates-detail",
    ),
]
