"""All API routes under one namespace, `api`, so that the second-factor
middleware leaves them to DRF's permission classes."""

from django.urls import include, path

app_name = "api"

urlpatterns = [
    path("", include("examens.api")),
    path("", include("scheduling.api")),
    path("", include("grading.api")),
    path("", include("certificates.api")),
    path("", include("monitoring.api")),
]
