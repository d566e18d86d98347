"""The exchange API for municipal case systems and the agency's planning."""

from django.urls import include, path

urlpatterns: list = [
    path("", include("monitoring.exchange_api")),
]
