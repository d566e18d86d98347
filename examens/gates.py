"""The one way to fetch an object through an access gate: the object, or 404.

Absent, not yours and malformed (an id typed into a form or a URL as text)
answer the same 404, so ids cannot be probed. Gates in each app's
`permissions.py` and views that look an object up by a key use this.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404

M = TypeVar("M", bound=Model)


def gate(queryset: QuerySet[M], **lookup: Any) -> M:
    """The one object of `queryset` (already narrowed to what the user may see)
    matching `lookup`, or Http404.

    Raises Http404 when there is none and when `lookup` holds a value of the
    wrong type (a text id from a form).
    """
    try:
        return queryset.get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None


def require(allowed: bool) -> None:
    """Http404 unless `allowed`: a page the user may not see does not exist for them."""
    if not allowed:
        raise Http404
