"""Scheduling API for municipal systems (scoped tokens) and verified staff.

Scopes: `sessions:read` (sessions, availability, seats), `bookings:read`,
`bookings:write` (create with an Idempotency-Key header, cancel). A token acts
for its organisation: the agency for every candidate, a municipality for its
residents, a provider for its contracting municipalities' residents. Bookings
are addressed by their reference; candidates by id; never by BSN.
"""

from __future__ import annotations

import hashlib

from django.db.models import QuerySet
from django.http import Http404
from django.urls import path
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from examens.api_auth import MachineClient
from examens.api_errors import ErrorSerializer
from examens.api_input import IdField, read_query
from examens.authz import ClientActor
from examens.models import Accommodation, Candidate, Component, Level

from . import eligibility, permissions, selectors, services
from .models import Booking, ExamSession


class CentreBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    city = serializers.CharField()


class SessionSerializer(serializers.ModelSerializer):
    centre = CentreBriefSerializer(read_only=True)
    component: serializers.SlugRelatedField[Component] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    seats_free = serializers.IntegerField(read_only=True)
    accommodations = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = ExamSession
        fields = [
            "id",
            "centre",
            "component",
            "level",
            "starts_at",
            "duration_minutes",
            "capacity",
            "seats_free",
            "accommodations",
            "max_extra_minutes",
            "booking_closes_at",
            "status",
        ]


class SeatsSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    capacity = serializers.IntegerField()
    booked_count = serializers.IntegerField()
    held_count = serializers.IntegerField()


class BookingSerializer(serializers.ModelSerializer):
    component: serializers.SlugRelatedField[Component] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    session: serializers.PrimaryKeyRelatedField[ExamSession] = serializers.PrimaryKeyRelatedField(
        read_only=True
    )
    candidate: serializers.PrimaryKeyRelatedField[Candidate] = serializers.PrimaryKeyRelatedField(
        read_only=True
    )

    class Meta:
        model = Booking
        fields = [
            "reference",
            "session",
            "candidate",
            "component",
            "level",
            "status",
            "attempt_number",
            "payer",
            "fee_cents",
            "slot_minutes",
            "outside_term",
            "created_at",
        ]


_CREATED_AT = serializers.DateTimeField()


def booking_payload(booking: Booking) -> dict:
    """BookingSerializer(booking).data without building a ModelSerializer per request
    (the booking endpoint's hot path); tests pin that both give the same output."""
    return {
        "reference": booking.reference,
        "session": booking.session_id,
        "candidate": booking.candidate_id,
        "component": booking.component.code,
        "level": booking.level,
        "status": booking.status,
        "attempt_number": booking.attempt_number,
        "payer": booking.payer,
        "fee_cents": booking.fee_cents,
        "slot_minutes": booking.slot_minutes,
        "outside_term": booking.outside_term,
        "created_at": _CREATED_AT.to_representation(booking.created_at),
    }


class BookingCreateSerializer(serializers.Serializer):
    session = IdField()
    candidate = IdField()


class BookingCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)
    reason_accepted = serializers.BooleanField(required=False, default=False)


class AvailabilityQuerySerializer(serializers.Serializer):
    component = serializers.CharField(required=False, max_length=10)
    level = serializers.ChoiceField(choices=Level.choices, required=False)
    region = serializers.CharField(
        required=False, max_length=100, help_text="Centre city or municipality name."
    )
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    accommodation = serializers.MultipleChoiceField(choices=Accommodation.choices, required=False)


# --- who is calling --------------------------------------------------------------------


def _actor(request):
    if isinstance(request.user, MachineClient):
        return ClientActor(f"token:{request.auth.prefix}", organisation=request.user.organisation)
    return request.user


def _candidates(request) -> QuerySet[Candidate]:
    if isinstance(request.user, MachineClient):
        return permissions.candidates_for_organisation(request.user.organisation)
    return permissions.bookable_candidates(request.user)


def _may_book_for(request, candidate: Candidate) -> bool:
    """`candidate in _candidates(request)` for a loaded candidate."""
    if isinstance(request.user, MachineClient):
        return permissions.may_book_for(request.user.organisation, candidate)
    return _candidates(request).filter(pk=candidate.pk).exists()


def _bookings(request) -> QuerySet[Booking]:
    if isinstance(request.user, MachineClient):
        return permissions.bookings_for_organisation(request.user.organisation)
    return Booking.objects.filter(candidate__in=_candidates(request).values("pk"))


def _scoped_key(request, key: str) -> str:
    """Keys are per client: two municipalities may both send `1`."""
    client = (
        f"token:{request.auth.pk}"
        if isinstance(request.user, MachineClient)
        else f"user:{request.user.pk}"
    )
    return hashlib.sha256(f"{client}:{key}".encode()).hexdigest()


# --- views ------------------------------------------------------------------------------


class SessionListView(generics.ListAPIView):
    """Published sessions from today on, with free seats."""

    required_scope = "sessions:read"
    serializer_class = SessionSerializer

    def get_queryset(self):
        return (
            ExamSession.objects.filter(
                status=ExamSession.Status.PUBLISHED, starts_at__gte=timezone.now()
            )
            .select_related("centre", "component")
            .order_by("starts_at", "pk")
        )


class AvailabilityView(generics.ListAPIView):
    """Sessions open for booking with a free seat, filtered like a municipal planner asks."""

    required_scope = "sessions:read"
    serializer_class = SessionSerializer

    @extend_schema(parameters=[AvailabilityQuerySerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        data = read_query(self.request, AvailabilityQuerySerializer)
        return selectors.available_sessions(
            component=data.get("component"),
            level=data.get("level"),
            region=data.get("region"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            accommodations=sorted(data.get("accommodation", [])),
        )


class SessionSeatsView(APIView):
    """Seats of one published session: a single indexed row read (also the benchmark's
    baseline). Published sessions are the national availability list; a draft, held or
    cancelled session belongs to its centre's organisation and answers 404 like any
    session that does not exist."""

    required_scope = "sessions:read"

    @extend_schema(responses={200: SeatsSerializer})
    def get(self, request, session_id: int):
        row = (
            ExamSession.objects.filter(pk=session_id, status=ExamSession.Status.PUBLISHED)
            .values("id", "capacity", "booked_count", "held_count")
            .first()
        )
        if row is None:
            raise Http404
        return Response(row)


class BookingCreateView(APIView):
    required_write_scope = "bookings:write"
    parser_classes = [JSONParser]  # municipal systems send JSON; nothing to negotiate

    @extend_schema(
        request=BookingCreateSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="A unique key per intended booking; a retry with the same key "
                "returns the first booking (200) instead of booking twice (201).",
            )
        ],
        responses={
            201: BookingSerializer,
            200: BookingSerializer,
            404: OpenApiResponse(
                ErrorSerializer, description="No such session, or no candidate the caller may book."
            ),
            409: OpenApiResponse(ErrorSerializer, description="A booking rule refused it."),
            422: OpenApiResponse(
                ErrorSerializer, description="The key was used before for another booking."
            ),
        },
    )
    def post(self, request):
        body = BookingCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        key = request.headers.get("Idempotency-Key", "").strip()[:200]
        scoped_key = _scoped_key(request, key) if key else None
        # One statement reads both and what the rules read about them (decision 0007).
        candidate, session = eligibility.read_for_booking(
            body.validated_data["candidate"], body.validated_data["session"], scoped_key
        )
        if candidate is None or session is None or not _may_book_for(request, candidate):
            raise Http404
        booking = services.book_candidate(
            session, actor=_actor(request), candidate=candidate, idempotency_key=scoped_key
        )
        code = status.HTTP_200_OK if booking.replayed else status.HTTP_201_CREATED
        return Response(booking_payload(booking), status=code)


class BookingDetailView(generics.RetrieveAPIView):
    required_scope = "bookings:read"
    serializer_class = BookingSerializer
    lookup_field = "reference"

    def get_queryset(self):
        return _bookings(self.request).select_related("component")


class BookingCancelView(APIView):
    required_write_scope = "bookings:write"

    @extend_schema(
        request=BookingCancelSerializer,
        responses={
            200: BookingSerializer,
            409: OpenApiResponse(ErrorSerializer, description="The booking cannot be cancelled."),
        },
    )
    def post(self, request, reference: str):
        body = BookingCancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        booking = _bookings(request).filter(reference=reference).first()
        if booking is None:
            raise Http404
        booking = services.cancel_booking(
            booking,
            actor=_actor(request),
            reason=body.validated_data["reason"],
            reason_accepted=body.validated_data["reason_accepted"],
        )
        return Response(BookingSerializer(booking).data)


urlpatterns = [
    path("sessions/", SessionListView.as_view(), name="scheduling-session-list"),
    path(
        "sessions/<api_id:session_id>/seats/",
        SessionSeatsView.as_view(),
        name="scheduling-session-seats",
    ),
    path("availability/", AvailabilityView.as_view(), name="scheduling-availability"),
    path("bookings/", BookingCreateView.as_view(), name="scheduling-booking-create"),
    path(
        "bookings/<api_reference:reference>/",
        BookingDetailView.as_view(),
        name="scheduling-booking-detail",
    ),
    path(
        "bookings/<api_reference:reference>/cancel/",
        BookingCancelView.as_view(),
        name="scheduling-booking-cancel",
    ),
]
