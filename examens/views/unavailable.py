"""The answer when the database cannot be reached: a 503 to try again, never a traceback.

A connection can drop in the middle of a request (a database restart, a
failover, an administrator ending the session, a network cut). The
transaction of the action is then rolled back by the database, so nothing of
it is written, and the next request opens a new connection. The person (or
the API client) is told to try again in a moment, with `Retry-After`.

Rendered without the request's context processors and without the base
template: those read the database, which is what failed.
"""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import defaults

logger = logging.getLogger(__name__)

# What a lost or refused connection raises (a dead connection used again: InterfaceError).
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5
API_NAMESPACE = "api"


def _is_api(request: HttpRequest) -> bool:
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return API_NAMESPACE in match.namespaces
    return request.path_info.startswith("/api/")


def database_unavailable(request: HttpRequest, error: BaseException) -> HttpResponse:
    """503 with Retry-After: JSON in the API's error shape, else a short page."""
    logger.warning(
        "Database unavailable during %s %s: %s",
        request.method,
        request.path_info,
        type(error).__name__,
    )
    message = _(
        "The database could not be reached for a moment. Your last action may not have "
        "been carried out: check it, and try again in a few seconds."
    )
    response: HttpResponse
    if _is_api(request):
        response = JsonResponse({"code": "database_unavailable", "message": message}, status=503)
    else:
        page = render_to_string("examens/unavailable.html", {"message": message})
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the 503 above when the database failed outside a view (e.g. loading
    the session in a middleware), Django's plain 500 page otherwise."""
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_UNAVAILABLE):
        return database_unavailable(request, error)
    return defaults.server_error(request)
