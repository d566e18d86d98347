"""`request.user`, typed: the staff member behind the login gate, and django-otp's flag.

Django types `request.user` as `User | AnonymousUser`, and django-otp's
`OTPMiddleware` adds `is_verified()` to it at run time, which no stub can
declare. Views ask these two helpers instead of reading the attribute, so the
type checker sees the project's `User` where a service or a gate wants one.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from .models import User


def staff_user(request: HttpRequest) -> User:
    """The logged-in staff member making `request`.

    Every staff page is behind `SecondFactorRequiredMiddleware`, which sends an
    anonymous visitor to the login page before the view runs, so a view that
    calls this always finds a `User`. Anything else (a view left out of the
    gate) is refused with PermissionDenied (403), never served to a stranger.
    """
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("This page needs a logged-in staff member.")
    return user


def is_verified(user: object) -> bool:
    """Whether `user` proved a second factor in this session (django-otp).

    `OTPMiddleware` attaches `is_verified()` to `request.user`, anonymous or not;
    without it (the middleware missing) nobody counts as verified.
    """
    check = getattr(user, "is_verified", None)
    return bool(check is not None and check())
