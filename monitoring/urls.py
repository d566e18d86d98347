"""Pages of monitoring: overview, at-risk list, national view, capacity, tokens, webhooks."""

from django.urls import path

from . import views_capacity

app_name = "monitoring"

urlpatterns: list = [
    # Capacity (m-capacity): demand against seats, waits against the norm.
    path("capacity/", views_capacity.capacity, name="capacity"),
]
