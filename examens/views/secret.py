"""Showing a new secret once: on the answer to the POST that made it, and never again.

A token's or a webhook's secret is not stored (only its hash, or it is handed
out and forgotten); the page that answers the POST is the one place it is
shown. Nothing of it goes into the URL, a flash message (kept in the session)
or a log, and no cache may keep the page (`no-store`, also on the browser's
back button). Templates show it with `examens/_secret_once.html`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers, patch_cache_control

from examens.exceptions import ExamAdminError

from .errors import attach_error, render_form


def show_secret_once(
    request: HttpRequest, template: str, context: Mapping[str, Any]
) -> HttpResponse:
    """Render `template` (which shows `context["secret"]`) as the 201 answer to a POST."""
    response = render(request, template, dict(context), status=201)
    add_never_cache_headers(response)
    patch_cache_control(response, private=True, no_store=True)
    return response


def not_an_admin(request: HttpRequest) -> HttpResponse:
    """The 403 page for someone who administers no organisation that the page serves."""
    return render(request, "examens/not_allowed.html", status=403)


def create_then_show_secret(
    request: HttpRequest,
    *,
    organisations: list,
    form_class: type[forms.Form],
    create: Callable[[dict[str, Any]], Mapping[str, Any]],
    form_template: str,
    created_template: str,
) -> HttpResponse:
    """The page that creates something with a secret (a token, a webhook endpoint).

    `organisations` are the ones the user may create it for (none: 403). On a valid
    POST `create(cleaned_data)` calls the service and returns the context of
    `created_template`, with the secret under "secret", shown once; a refusal
    (ExamAdminError) is put on the form, which is shown again with status 400.
    """
    if not organisations:
        return not_an_admin(request)
    form = form_class(request.POST or None, organisations=organisations)  # type: ignore[call-arg]
    if request.method == "POST" and form.is_valid():
        try:
            context = create(form.cleaned_data)
        except ExamAdminError as error:
            attach_error(form, error)
        else:
            return show_secret_once(request, created_template, context)
    return render_form(request, form_template, {"form": form}, form=form)
