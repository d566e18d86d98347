"""Every API error in one shape, mapped in one place.

`{"code": "...", "message": "...", "field": "...", "details": {...}}`: `code` is
stable for machines, `message` is for people (translated), `field` names the
input at fault when there is one, `details` carries more (every field error of a
rejected request, every bad line of an import). Domain errors (ExamAdminError)
keep their own status (NotPermitted: 403); DRF's errors (validation 400,
authentication 401, permission 403, not found 404, method 405, media type 415,
throttling 429) are reshaped from DRF's `{"detail": ...}` and `{"field": [...]}`.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from django.views.defaults import page_not_found
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .exceptions import ExamAdminError

API_PREFIX = "/api/"
NON_FIELD_KEYS = {"non_field_errors", "detail"}


class FieldErrorSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The input at fault: a name, or a dotted path.")
    code = serializers.CharField()
    message = serializers.CharField()
    line = serializers.IntegerField(required=False, help_text="Imports: the line of the file.")


class ErrorDetailsSerializer(serializers.Serializer):
    error_count = serializers.IntegerField(required=False)
    # The metaclass takes declared fields off the class, so `.errors` stays DRF's property.
    errors = FieldErrorSerializer(many=True, required=False)  # type: ignore[assignment]
    missing = serializers.ListField(child=serializers.CharField(), required=False)
    wait_seconds = serializers.IntegerField(required=False)


class ErrorSerializer(serializers.Serializer):
    """The body of every 4xx answer of the API."""

    code = serializers.CharField()
    message = serializers.CharField()
    field = serializers.CharField(required=False)
    details = ErrorDetailsSerializer(required=False)


def field_errors(detail, prefix: str = "") -> list[dict]:
    """Flattens DRF's nested validation detail into (field, code, message) entries."""
    if isinstance(detail, dict):
        found = []
        for key, value in detail.items():
            name = prefix if key in NON_FIELD_KEYS else f"{prefix}.{key}" if prefix else str(key)
            found += field_errors(value, name)
        return found
    if isinstance(detail, list):
        if all(isinstance(item, exceptions.ErrorDetail) for item in detail):
            return [{"field": prefix, "code": item.code, "message": str(item)} for item in detail]
        found = []
        for index, item in enumerate(detail):
            found += field_errors(item, f"{prefix}.{index}" if prefix else str(index))
        return found
    return [{"field": prefix, "code": getattr(detail, "code", "invalid"), "message": str(detail)}]


def validation_body(exc: exceptions.ValidationError) -> dict:
    errors = field_errors(exc.detail)
    first = errors[0] if errors else {"field": "", "code": "invalid", "message": str(exc)}
    body: dict = {
        "code": "invalid_input",
        "message": f"{first['field']}: {first['message']}" if first["field"] else first["message"],
        "details": {"error_count": len(errors), "errors": errors},
    }
    if first["field"]:
        body["field"] = first["field"]
    return body


def api_error_body(exc: exceptions.APIException) -> dict:
    if isinstance(exc, exceptions.ValidationError):
        return validation_body(exc)
    code = exc.get_codes()
    body: dict = {
        "code": code if isinstance(code, str) else "error",
        "message": str(exc.detail) if not isinstance(exc.detail, list | dict) else str(exc),
    }
    wait = getattr(exc, "wait", None)
    if wait is not None:
        body["details"] = {"wait_seconds": int(wait)}
    return body


def exception_handler(exc, context):
    if isinstance(exc, ExamAdminError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.APIException):
        response.data = api_error_body(exc)
    return response


def not_found(request, exception):
    """handler404: a JSON error under /api/ (a path no API route matches, or an id out
    of range), the site's own 404 page elsewhere."""
    if request.path.startswith(API_PREFIX):
        body = api_error_body(exceptions.NotFound())
        return JsonResponse(body, status=404, json_dumps_params={"ensure_ascii": False})
    return page_not_found(request, exception)
