"""Bounds on what the API reads: ids in path, query and body, query strings, pages.

Every integer an API client sends is bounded by what the database can hold (ids
are PostgreSQL bigints), so an id out of range is a 404 or a 400 naming the
field, never an overflow inside a query. Query strings are validated strictly:
a value that is present but empty, given twice or not a number is refused with a
400 naming the parameter, where DRF would silently ignore it or fall back to a
default. Pages have a maximum size.
"""

from __future__ import annotations

import re

from django.urls import register_converter
from django.urls.converters import IntConverter
from django.utils.translation import gettext_lazy as _
from rest_framework import pagination, serializers

PLAIN_INTEGER = re.compile(r"-?[0-9]+")
# Ids are BigAutoField (settings.DEFAULT_AUTO_FIELD): PostgreSQL's bigint.
MAX_ID = 2**63 - 1
# The largest page a client may ask for, and the one it gets without asking.
MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 100
# An offset past any table this product will hold; PostgreSQL's integer range.
MAX_OFFSET = 2**31 - 1


class PlainIntegerField(serializers.IntegerField):
    """An IntegerField that takes a JSON number or a string of ASCII digits only.

    DRF's own passes anything to `int()`, which also reads `true`, `1_000`, ` 7 `
    and digits of other scripts (`١`): none of them an integer in the schema."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or (isinstance(data, str) and not PLAIN_INTEGER.fullmatch(data)):
            self.fail("invalid")
        return super().to_internal_value(data)


def IdField(**kwargs) -> PlainIntegerField:  # noqa: N802 - reads like a field class
    """An object id: a whole number from 1 to the database's bigint maximum."""
    return PlainIntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class IdConverter(IntConverter):
    """A path segment that is an object id: 1 to MAX_ID, at most 19 digits.

    Anything else matches no route, so it is the API's JSON 404 (handler404),
    not a query with a number the database cannot compare."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValueError(value)  # Django: this route does not match
        return number


class CodeConverter:
    """A catalogue code in a path (`LEZ`, `KNM`): letters, digits, `_` and `-`, at most 10."""

    regex = "[A-Za-z0-9_-]{1,10}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class ReferenceConverter(CodeConverter):
    """A booking reference in a path (`EB-7KQ2-M9XD`): letters, digits and `-`, at most 20."""

    regex = "[A-Za-z0-9-]{1,20}"


# Path segments outside these patterns match no route: the API's JSON 404.
register_converter(IdConverter, "api_id")
register_converter(CodeConverter, "api_code")
register_converter(ReferenceConverter, "api_reference")


def _is_list(field: serializers.Field) -> bool:
    return isinstance(field, serializers.ListField | serializers.MultipleChoiceField)


def read_query(request, serializer_class: type[serializers.Serializer]) -> dict:
    """The query string validated by `serializer_class`, strictly.

    Unlike DRF's form handling, a parameter given empty is validated as the empty
    string (refused unless the field allows blanks), a single-valued parameter
    given twice is refused, and only the serializer's own parameters are read.
    Raises ValidationError (400) naming each parameter at fault.
    """
    query = request.query_params
    data: dict = {}
    repeated: dict = {}
    for name, field in serializer_class().fields.items():
        if name not in query:
            continue
        values = query.getlist(name)
        if _is_list(field):
            data[name] = values
        elif len(values) > 1:
            repeated[name] = [_("Give this parameter once.")]
        else:
            data[name] = values[0]
    if repeated:
        raise serializers.ValidationError(repeated, code="repeated")
    checked = serializer_class(data=data)
    checked.is_valid(raise_exception=True)
    return dict(checked.validated_data)


class PageQuerySerializer(serializers.Serializer):
    limit = PlainIntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE)
    offset = PlainIntegerField(required=False, min_value=0, max_value=MAX_OFFSET)


class BoundedLimitOffsetPagination(pagination.LimitOffsetPagination):
    """LimitOffsetPagination that refuses a limit above MAX_PAGE_SIZE, a negative or
    huge offset and anything not a number, with a 400 naming the parameter (DRF's
    own silently falls back to the default)."""

    default_limit = DEFAULT_PAGE_SIZE
    max_limit = MAX_PAGE_SIZE

    def paginate_queryset(self, queryset, request, view=None):
        self.page_query = read_query(request, PageQuerySerializer)
        return super().paginate_queryset(queryset, request, view)

    def get_limit(self, request) -> int:
        return self.page_query.get("limit", self.default_limit)

    def get_offset(self, request) -> int:
        return self.page_query.get("offset", 0)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.limit_query_param: {"minimum": 1, "maximum": MAX_PAGE_SIZE},
            self.offset_query_param: {"minimum": 0, "maximum": MAX_OFFSET},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
            if parameter["name"] == self.limit_query_param:
                parameter["schema"]["default"] = self.default_limit
        return parameters
