"""Certificate URLs, mounted at /c/ so that the QR code stays short (/c/v/<token>).

Public (in settings.PUBLIC_URL_NAMES): verify, verify-json, public-keys,
status-list, candidate-download. Everything else is staff behind the second factor.
"""

from django.urls import path

from . import views

app_name = "certificates"

urlpatterns = [
    path("v/<str:token>.json", views.verify_json, name="verify-json"),
    path("v/<str:token>", views.verify, name="verify"),
    path("keys.json", views.public_keys, name="public-keys"),
    path("status.json", views.status_list, name="status-list"),
    path("d/<str:value>", views.candidate_download, name="candidate-download"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/pdf", views.download, name="download"),
    path("<int:pk>/revoke/", views.revoke, name="revoke"),
    path("<int:pk>/<str:action>", views.change_status, name="change-status"),
]
