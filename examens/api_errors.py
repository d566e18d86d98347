"""Maps domain errors to API responses in one place (NotPermitted: 403 with its dict)."""

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .exceptions import ExamAdminError


def exception_handler(exc, context):
    if isinstance(exc, ExamAdminError):
        return Response(exc.as_dict(), status=exc.status)
    return drf_exception_handler(exc, context)
