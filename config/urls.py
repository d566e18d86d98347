from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from examens.admin_site import secure_admin_site

admin.site.__class__ = secure_admin_site

urlpatterns = [
    path("", include("examens.urls")),
    # Passkey ceremonies (JSON, called by django-otp-webauthn's script), our views.
    path("account/passkeys/webauthn/", include("examens.passkey_urls")),
    path("planning/", include("scheduling.urls")),
    path("beoordeling/", include("grading.urls")),
    path("c/", include("certificates.urls")),
    path("monitoring/", include("monitoring.urls")),
    path("admin/", admin.site.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI from our own static files (drf-spectacular-sidecar), its script a file too;
    # it draws its icons as data: images, nothing else is widened (settings' CSP).
    path(
        "api/docs/",
        csp_update({"img-src": ["data:"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
    path("api/v1/", include("config.api_urls")),
]

# A JSON error for any path under /api/ that matches no route; the 404 page elsewhere.
handler404 = "examens.api_errors.not_found"
# A database that cannot be reached outside a view answers 503, not 500.
handler500 = "examens.views.unavailable.server_error"
