"""API authentication: scoped tokens for machine clients, verified sessions for people."""

from __future__ import annotations

import datetime

from django.utils import timezone
from rest_framework import exceptions, permissions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from .models import ApiToken
from .services import hash_api_key, record_api_token_use

LAST_USED_PRECISION = datetime.timedelta(minutes=1)


class MachineClient:
    """Stands in for request.user when a scoped token authenticated the call."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    pk = None

    def __init__(self, token: ApiToken):
        self.token = token
        self.organisation = token.organisation

    def is_verified(self) -> bool:
        return False

    def __str__(self) -> str:
        return f"token:{self.token.prefix}"


class ApiTokenAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Authorization: Bearer <token>")
        secret = parts[1].decode(errors="replace")
        token = (
            ApiToken.objects.select_related("organisation")
            .filter(key_hash=hash_api_key(secret), revoked_at__isnull=True)
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed("Unknown or revoked token.")
        self._touch(token)
        return MachineClient(token), token

    @staticmethod
    def _touch(token: ApiToken) -> None:
        """Record use at most once per LAST_USED_PRECISION: a write per call would cost
        every API request a commit. The filter keeps concurrent workers from all writing."""
        moment = timezone.now()
        if token.last_used_at is not None and moment - token.last_used_at < LAST_USED_PRECISION:
            return
        record_api_token_use(token, at=moment, precision=LAST_USED_PRECISION)

    def authenticate_header(self, request):
        return "Bearer"


class VerifiedStaffOrToken(permissions.BasePermission):
    """A person needs a verified second factor; a token needs the view's scope.

    Views name their scope in `required_scope` (reads) and
    `required_write_scope` (writes); a view without a scope refuses tokens.
    """

    message = "A verified second factor or a token with the right scope is needed."

    def has_permission(self, request, view) -> bool:
        if isinstance(request.auth, ApiToken):
            safe = request.method in permissions.SAFE_METHODS
            scope = getattr(view, "required_scope" if safe else "required_write_scope", None)
            return bool(scope) and scope in request.auth.scopes
        user = request.user
        return bool(user and user.is_authenticated and user.is_verified())
