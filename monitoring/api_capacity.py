"""The capacity figures through the API, for the agency's planning (decision 0015).

Scope `capacity:read`. The figures are national aggregates with no personal data:
a token of any organisation, or a person the page admits (planner or officer,
verified second factor), gets the same answer. Query parameters are read strictly
(examens.api_input.read_query): an empty, repeated or out-of-range one is a 400
naming it. Lists are paged with `limit` and `offset`. The capacity list also says
when the expected demand was counted (`demand_counted_at`, null before the first
count: decision 0033); seats are read live.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied

from examens.api_auth import MachineClient
from examens.api_input import BoundedLimitOffsetPagination, PlainIntegerField, read_query
from examens.models import Level

from . import capacity as selectors
from . import capacity_waits
from .capacity_access import may_see_capacity

SCOPE = "capacity:read"


class CapacityQuerySerializer(serializers.Serializer):
    component = serializers.RegexField(
        r"^[A-Za-z0-9_-]{1,10}$", required=False, help_text="A component code, e.g. LEZ."
    )
    level = serializers.ChoiceField(choices=Level.choices, required=False)
    region = serializers.CharField(
        required=False,
        max_length=100,
        help_text="A centre's city or organisation name, or a municipality's name "
        "(case-insensitive), as GET /api/v1/availability/ reads it.",
    )
    weeks = PlainIntegerField(
        required=False,
        min_value=1,
        max_value=settings.CAPACITY_MAX_WEEKS,
        help_text="ISO weeks ahead, counted from the current one.",
    )


class WaitQuerySerializer(serializers.Serializer):
    component = serializers.RegexField(
        r"^[A-Za-z0-9_-]{1,10}$", required=False, help_text="A component code, e.g. LEZ."
    )
    level = serializers.ChoiceField(choices=Level.choices, required=False)
    region = serializers.CharField(required=False, max_length=100)


class WeekSerializer(serializers.Serializer):
    week = serializers.CharField(source="iso", help_text="ISO week, e.g. 2026-W50.")
    starts_on = serializers.DateField(help_text="Its Monday.")
    seats_published = serializers.IntegerField(help_text="Capacity minus seats held for offers.")
    seats_taken = serializers.IntegerField()
    seats_free = serializers.IntegerField()
    expected_demand = serializers.DecimalField(
        source="expected_rounded", max_digits=14, decimal_places=1, coerce_to_string=False
    )
    demand = serializers.DecimalField(
        source="demand_rounded",
        max_digits=14,
        decimal_places=1,
        coerce_to_string=False,
        help_text="Seats taken plus expected demand.",
    )
    over_capacity = serializers.BooleanField()
    shortfall = serializers.DecimalField(max_digits=14, decimal_places=1, coerce_to_string=False)


class FirstFreeSeatSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField(allow_null=True)
    wait_days = serializers.IntegerField(allow_null=True)
    norm_days = serializers.IntegerField()
    over_norm = serializers.BooleanField()


class CapacityRowSerializer(serializers.Serializer):
    component = serializers.CharField()
    level = serializers.CharField(allow_blank=True)
    region = serializers.CharField()
    first_free_seat = FirstFreeSeatSerializer(source="first_free")
    weeks_over_capacity = serializers.IntegerField(source="weeks_over")
    weeks = WeekSerializer(many=True)


class CentreWaitSerializer(serializers.Serializer):
    centre_id = serializers.IntegerField()
    centre = serializers.CharField()
    city = serializers.CharField()
    sittings = serializers.IntegerField()
    median_days = serializers.DecimalField(max_digits=10, decimal_places=1, coerce_to_string=False)
    norm_days = serializers.IntegerField()
    over_norm = serializers.BooleanField()


class _CapacityAccess(generics.ListAPIView):
    """A person must be one the page admits; a token's scope is checked by DRF's
    permission class (VerifiedStaffOrToken) before this."""

    required_scope = SCOPE
    pagination_class = BoundedLimitOffsetPagination

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not isinstance(request.user, MachineClient) and not may_see_capacity(request.user):
            raise PermissionDenied


class CountedPagination(BoundedLimitOffsetPagination):
    """The page envelope plus `demand_counted_at`: when the expected demand on the page
    was counted (the view sets `counted_at`), or null before the first count."""

    counted_at: datetime.datetime | None = None

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        counted = self.counted_at
        response.data["demand_counted_at"] = (
            serializers.DateTimeField().to_representation(counted) if counted else None
        )
        return response

    def get_paginated_response_schema(self, schema):
        envelope = super().get_paginated_response_schema(schema)
        envelope["properties"]["demand_counted_at"] = {
            "type": "string",
            "format": "date-time",
            "nullable": True,
        }
        return envelope


class CapacityView(_CapacityAccess):
    """Demand against seats published per component, level and region, by ISO week from
    the current one; the first free seat against the norm. Ordered by component, level
    and region."""

    serializer_class = CapacityRowSerializer
    pagination_class = CountedPagination

    @extend_schema(parameters=[CapacityQuerySerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        data = read_query(self.request, CapacityQuerySerializer)
        query = selectors.CapacityQuery(
            component=data.get("component", ""),
            level=data.get("level", ""),
            region=data.get("region", "").strip(),
            weeks=data.get("weeks", settings.CAPACITY_DEFAULT_WEEKS),
        )
        result = selectors.capacity(query)
        self.paginator.counted_at = result.snapshot.taken_at if result.snapshot else None
        return result.rows


class CapacityWaitView(_CapacityAccess):
    """The median real wait (booking to sitting) per centre over the sittings of the
    look-back window, against the norm. Ordered by centre name."""

    serializer_class = CentreWaitSerializer

    @extend_schema(parameters=[WaitQuerySerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        data = read_query(self.request, WaitQuerySerializer)
        query = selectors.CapacityQuery(
            component=data.get("component", ""),
            level=data.get("level", ""),
            region=data.get("region", "").strip(),
        )
        return capacity_waits.median_waits(query)
