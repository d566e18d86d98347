"""The API's JSON parser: every body it cannot take is a 400, never a 500.

DRF's JSONParser turns a ValueError into a 400 but lets through what else a
hostile body holds:
- nesting deeper than the interpreter's stack (`[[[[…`) raises RecursionError;
- a lone surrogate (`"\\ud800"`) or a NUL (`"\\u0000"`) in any string parses
  fine and fails later, when PostgreSQL or the UTF-8 encoder meets it.
This parser refuses both at the door. (The body's size is Django's
DATA_UPLOAD_MAX_MEMORY_SIZE: DRF reads a JSON body through `request.body`;
examens.api_errors answers it with 413.)
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def _bad_text(value: str) -> bool:
    if "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check_strings(data) -> None:
    """Raise ParseError when any key or string in `data` holds a NUL or a lone surrogate."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _bad_text(item):
                raise ParseError(_("The JSON holds a NUL or a lone surrogate in a text."))
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


class SafeJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise ParseError(_("The JSON is nested too deeply.")) from error
        check_strings(data)
        return data
