"""Cursor pagination for the exchange API: opaque, strict, stable under inserts.

Rows are walked in primary-key order: a row inserted while a client pages gets a
higher key than every row already served, so a walk from the first page to the
last sees every row exactly once. The cursor is DRF's (base64 of the position),
opaque to clients. A cursor that fits the schema (a string of at most 200
characters) but is not one we issued names a page that does not exist: 404
`not_found`, as DRF answers (its position is checked, so it never reaches a query).
A `limit` out of range, a cursor over 200 characters or a parameter given twice is
a 400 naming the parameter (DRF's own falls back to the default page size).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, pagination, serializers

from examens.api_input import MAX_ID, PLAIN_INTEGER, PlainIntegerField, read_query

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500
MAX_CURSOR_LENGTH = 200


def page_query_serializer(max_size: int) -> type[serializers.Serializer]:
    class CursorQuerySerializer(serializers.Serializer):
        # Not trimmed: a cursor of whitespace or control characters fits the schema
        # (minLength 1) and is decoded as given, not refused as blank. An empty one is
        # refused (400), as the schema says.
        cursor = serializers.CharField(
            required=False, max_length=MAX_CURSOR_LENGTH, trim_whitespace=False
        )
        limit = PlainIntegerField(required=False, min_value=1, max_value=max_size)

    return CursorQuerySerializer


class IdCursorPagination(pagination.CursorPagination):
    """CursorPagination by primary key with `?limit=` and strict parameters."""

    ordering = "pk"
    page_size = DEFAULT_PAGE_SIZE
    max_page_size = MAX_PAGE_SIZE
    page_size_query_param = "limit"

    def paginate_queryset(self, queryset, request, view=None):
        self.page_query = read_query(request, page_query_serializer(self.max_page_size))
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request) -> int:
        return self.page_query.get("limit", self.page_size)

    def decode_cursor(self, request):
        if "cursor" not in self.page_query:
            return None
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:  # DRF's answer to any undecodable cursor
            cursor = None
        position = cursor.position if cursor is not None else None
        if cursor is None or (
            position is not None
            and not (PLAIN_INTEGER.fullmatch(position) and 1 <= int(position) <= MAX_ID)
        ):
            raise exceptions.NotFound(_("This is not a cursor this API gave out."))
        return cursor

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(
                    {"minimum": 1, "maximum": self.max_page_size, "default": self.page_size}
                )
            if parameter["name"] == self.cursor_query_param:
                parameter["schema"].update({"minLength": 1, "maxLength": MAX_CURSOR_LENGTH})
        return parameters


class ProgressCursorPagination(IdCursorPagination):
    """A progress row carries every requirement and its results: smaller pages."""

    page_size = 50
    max_page_size = 100
