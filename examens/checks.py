"""System checks of the deployment that Django's own `check --deploy` does not know.

`SITE_URL` is the base of every verification URL printed in a certificate's QR code and
of every link in a mail: in production it must be an `https://` address that others can
reach, never the development default `http://127.0.0.1:8000`. The check runs with
`manage.py check --deploy`, and `refuse_to_start` runs it when the web server (wsgi,
asgi) or a Celery worker starts in the production profile.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0", "testserver"}  # noqa: S104  # nosec B104 - host names refused in SITE_URL, not a bind
SITE_URL_ERROR = "examens.E001"


def _site_url_problem(site_url: str) -> str | None:
    parts = urlsplit(site_url)
    if parts.scheme != "https":
        return "SITE_URL must start with https://"
    host = (parts.hostname or "").lower()
    if not host or host in LOCAL_HOSTS or host.startswith("127.") or host.endswith(".localhost"):
        return "SITE_URL must name a host others can reach, not this machine"
    return None


@checks.register(checks.Tags.security, deploy=True)
def site_url_is_public_https(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """In the production profile SITE_URL is a public https:// address."""
    if not getattr(settings, "PRODUCTION", False):
        return []
    problem = _site_url_problem(settings.SITE_URL)
    if problem is None:
        return []
    return [
        checks.Error(
            f"{problem} (it is {settings.SITE_URL!r}).",
            hint="Set SITE_URL to the public address, e.g. https://examens.example.nl: "
            "certificate QR codes and mails link to it.",
            id=SITE_URL_ERROR,
        )
    ]


def refuse_to_start() -> None:
    """Raise ImproperlyConfigured when a production process would start with a bad SITE_URL."""
    errors = site_url_is_public_https()
    if errors:
        raise ImproperlyConfigured(f"{errors[0].msg} {errors[0].hint}")
