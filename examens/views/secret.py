"""Showing a new secret once: on the answer to the POST that made it, and never again.

A token's or a webhook's secret is not stored (only its hash, or it is handed
out and forgotten); the page that answers the POST is the one place it is
shown. Nothing of it goes into the URL, a flash message (kept in the session)
or a log, and no cache may keep the page (`no-store`, also on the browser's
back button). Templates show it with `examens/_secret_once.html`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers, patch_cache_control


def show_secret_once(
    request: HttpRequest, template: str, context: Mapping[str, Any]
) -> HttpResponse:
    """Render `template` (which shows `context["secret"]`) as the 201 answer to a POST."""
    response = render(request, template, dict(context), status=201)
    add_never_cache_headers(response)
    patch_cache_control(response, private=True, no_store=True)
    return response
