"""The API's OpenAPI schema (drf-spectacular) tells every answer an operation can give.

- How our scoped tokens appear (`apiToken`, a bearer token).
- Every operation documents, besides what its view declares, the errors DRF and
  our own code give it in the shape of examens.api_errors.ErrorSerializer:
  401 and 403 (no or a bad token, a token without the scope, a person without a
  verified second factor), 400 when it reads a query string or a body, 404 when
  its path names an object, 415 when it reads a body, 429 when it is throttled.
- Each operation's description names the token scope it needs.

tests/test_api_schemathesis.py holds the product to this schema.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions

from .api_errors import ErrorSerializer

ERROR_DESCRIPTIONS = {
    "400": "The request does not fit the schema; `field` names the input at fault.",
    "401": "No token, or an unknown or revoked one (`Authorization: Bearer eb_…`).",
    "403": "The token lacks the operation's scope, the person has no verified second "
    "factor, or the organisation may not do this.",
    "404": "No such object, or not one the caller may see.",
    "415": "The body's media type is not one the operation reads.",
    "429": "Too many requests; `details.wait_seconds` says how long to wait.",
}


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "examens.api_auth.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A scoped API token for a machine client: `Authorization: Bearer eb_…`.",
        }


def required_scope(view, method: str) -> str | None:
    """The token scope `view` asks for `method` (examens.api_auth.VerifiedStaffOrToken)."""
    safe = method.upper() in permissions.SAFE_METHODS
    return getattr(view, "required_scope" if safe else "required_write_scope", None)


class ApiAutoSchema(AutoSchema):
    def get_description(self) -> str:  # type: ignore[override]  # as drf-spectacular does
        description = super().get_description()
        scope = required_scope(self.view, self.method)
        if scope is None:
            return description
        needs = f"Token scope: `{scope}`."
        return f"{description}\n\n{needs}" if description else needs

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        for code in self.error_codes(operation):
            if code not in responses:
                answer = OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code])
                responses[code] = self._get_response_for_code(answer, code)
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def error_codes(self, operation: dict) -> list[str]:
        locations = {parameter["in"] for parameter in operation.get("parameters", [])}
        codes = []
        if operation.get("security") and {} not in operation["security"]:
            codes += ["401", "403"]
        if "query" in locations or "requestBody" in operation:
            codes.append("400")
        if "path" in locations:
            codes.append("404")
        if "requestBody" in operation:
            codes.append("415")
        if self.view.get_throttles():
            codes.append("429")
        return codes
