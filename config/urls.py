from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from examens.admin_site import secure_admin_site

admin.site.__class__ = secure_admin_site

# A database that cannot be reached outside a view answers 503, not 500.
handler500 = "examens.views.unavailable.server_error"

urlpatterns = [
    path("", include("examens.urls")),
    path("planning/", include("scheduling.urls")),
    path("beoordeling/", include("grading.urls")),
    path("c/", include("certificates.urls")),
    path("admin/", admin.site.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("config.api_urls")),
]
