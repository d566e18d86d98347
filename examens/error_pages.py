"""The branded 404 and 500 pages under DEBUG too (decision 0020).

Embedded mode runs with DEBUG on, and Django then answers a missing page or an
error with its technical pages (settings, paths, the traceback). People who try
the product there should see the same pages as in production, so this
middleware renders them, unless DJANGO_DEBUG_PAGES=1 asks for Django's pages
(a developer chasing an error; the traceback is logged either way). Without
DEBUG it does nothing: handler404/handler500 already answer. The API keeps its
JSON errors (examens.api_errors).
"""

from __future__ import annotations

import logging

from csp.constants import HEADER
from csp.utils import build_policy
from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.views import defaults

from .views.unavailable import DATABASE_UNAVAILABLE

# Exceptions Django itself turns into their own answers (403, 400) in both modes.
ANSWERED_BY_DJANGO = (PermissionDenied, BadRequest, SuspiciousOperation, MultiPartParserError)

logger = logging.getLogger("django.request")
API_PREFIX = "/api/"


def _active(request: HttpRequest) -> bool:
    return (
        settings.DEBUG
        and not getattr(settings, "DEBUG_PAGES", False)
        and not request.path_info.startswith(API_PREFIX)
    )


class BrandedErrorPagesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # A path no route matches never reaches a view (nor process_exception).
        if (
            response.status_code == 404
            and getattr(request, "resolver_match", None) is None
            and _active(request)
        ):
            return _with_policy(defaults.page_not_found(request, Http404()))
        return response

    def process_exception(self, request, exception):
        if not _active(request) or isinstance(exception, DATABASE_UNAVAILABLE):
            return None
        if isinstance(exception, Http404):
            return _with_policy(defaults.page_not_found(request, exception))
        if isinstance(exception, ANSWERED_BY_DJANGO):
            return None
        # Placed above the project's own middleware, this runs after they declined the
        # exception (NotPermitted -> 403, a lost database -> 503).
        logger.error(
            "Internal Server Error: %s",
            request.path,
            exc_info=exception,
            extra={"request": request},
        )
        return _with_policy(defaults.server_error(request))


def _with_policy(response: HttpResponse) -> HttpResponse:
    """django-csp leaves 404 and 500 answers alone under DEBUG (for Django's technical
    pages); these are the product's pages, so they carry the site's policy."""
    response[HEADER] = build_policy()
    return response
