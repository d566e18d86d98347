"""The exchange API for municipal case systems and the agency's planning."""

from django.urls import path

from . import api_capacity

urlpatterns: list = [
    # Capacity (m-capacity): scope capacity:read.
    path("capacity/", api_capacity.CapacityView.as_view(), name="monitoring-capacity"),
    path(
        "capacity/waits/", api_capacity.CapacityWaitView.as_view(), name="monitoring-capacity-waits"
    ),
]
