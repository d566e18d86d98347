"""The passkey ceremonies under the URL names django-otp-webauthn's script tags reverse.

Included by config/urls.py with the namespace `otp_webauthn`; the views are
ours (examens.views.passkeys), wrapping the package's.
"""

from django.urls import path
from django.views.i18n import JavaScriptCatalog

from .views import passkeys

app_name = "otp_webauthn"

urlpatterns = [
    path(
        "registration/begin/",
        passkeys.BeginRegistration.as_view(),
        name="credential-registration-begin",
    ),
    path(
        "registration/complete/",
        passkeys.CompleteRegistration.as_view(),
        name="credential-registration-complete",
    ),
    path(
        "authentication/begin/",
        passkeys.BeginAuthentication.as_view(),
        name="credential-authentication-begin",
    ),
    path(
        "authentication/complete/",
        passkeys.CompleteAuthentication.as_view(),
        name="credential-authentication-complete",
    ),
    # The package's own messages for its script, in Dutch and English.
    path(
        "jsi18n/",
        JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
        name="js-i18n-catalog",
    ),
]
