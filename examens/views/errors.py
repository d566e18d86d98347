"""One place where views turn a domain error into what the person sees.

Two shapes of page change state:

- a form page (`submit`): a valid POST calls the service; a refusal is shown
  on the field it names and the page is rendered again with 400; success
  adds a message and redirects;
- a button (`act`): the POST calls the service and redirects, with the
  refusal or the success as a message.

`NotPermitted` is never caught here: it is not about the input, so it is not
shown on a field; it propagates to the one place that maps it to 403/404.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from examens.exceptions import ExamAdminError, NotPermitted

T = TypeVar("T")

Message = str | Callable[[T], str] | None


def attach_error(form: forms.Form, error: ExamAdminError) -> None:
    """Show `error` on the field it names, or on the form when it names none we show.

    A refusal of the actor is not an input error: it is raised again, never shown
    on the form.
    """
    if isinstance(error, NotPermitted):
        raise error
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


def render_form(
    request: HttpRequest, template: str, context: Mapping[str, Any], *, form: forms.Form
) -> HttpResponse:
    """Render a page with `form`: 400 when the form carries errors (the person and any
    client see the refusal), 200 otherwise."""
    return render(request, template, dict(context), status=400 if form.errors else 200)


def _text(message: Message[T], result: T) -> str | None:
    return message(result) if callable(message) else message


def act(
    request: HttpRequest,
    call: Callable[[], T],
    *,
    success: Message[T],
    then: str | Callable[[T], HttpResponse],
    refused: Callable[[ExamAdminError], HttpResponse] | None = None,
) -> HttpResponse:
    """Call a service for a button: on success add `success` and go to `then`.

    `then` is a URL (redirected to) or a function of the service's result that
    answers. A domain refusal answers `refused(error)` when given, else shows
    the refusal as an error message and redirects to `then`, which must then
    be a URL. `NotPermitted` propagates.
    """
    if refused is None and not isinstance(then, str):
        raise TypeError("act() needs `refused` when `then` is not a URL")
    try:
        result = call()
    except NotPermitted:
        raise
    except ExamAdminError as error:
        if refused is not None:
            return refused(error)
        messages.error(request, str(error.message))
        return redirect(then)
    text = _text(success, result)
    if text:
        messages.success(request, text)
    return redirect(then) if isinstance(then, str) else then(result)


def submit(
    request: HttpRequest,
    form: forms.Form,
    call: Callable[[dict[str, Any]], T],
    *,
    success: Message[T],
    then: str | Callable[[T], HttpResponse],
    template: str,
    context: Mapping[str, Any] | Callable[[], Mapping[str, Any]],
) -> HttpResponse:
    """Answer a form page: on a valid POST call `call(form.cleaned_data)`.

    Success adds `success` (text, or a function of the result) and goes to
    `then` (a URL, or a function of the result that answers). A domain refusal
    is attached to the field it names and the page is rendered again with 400,
    as is an invalid form; a GET renders it with 200. `context` may be a
    function, so that what only the page shows is read only when it is shown
    (after a refusal, not before every call). Nothing is written on a
    refusal: the service's transaction is rolled back. `NotPermitted`
    propagates.
    """

    def page() -> HttpResponse:
        return render_form(
            request, template, context() if callable(context) else context, form=form
        )

    def refused(error: ExamAdminError) -> HttpResponse:
        attach_error(form, error)
        return page()

    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        return act(request, lambda: call(data), success=success, then=then, refused=refused)
    return page()
