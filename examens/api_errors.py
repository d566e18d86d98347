"""Maps domain errors to API responses in one place (NotPermitted: 403 with its dict)."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext as _
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .exceptions import ExamAdminError


def exception_handler(exc, context):
    if isinstance(exc, ExamAdminError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, RequestDataTooBig):  # a JSON body over Django's limit, named
        message = _("The request body is larger than %(limit)d bytes (%(setting)s).") % {
            "limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
            "setting": "DATA_UPLOAD_MAX_MEMORY_SIZE",
        }
        return Response({"code": "request_too_large", "message": message}, status=413)
    return drf_exception_handler(exc, context)
