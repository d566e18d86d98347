"""One place where views turn a domain error into what the person sees."""

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from examens.exceptions import ExamAdminError, NotPermitted


def attach_error(form: forms.Form, error: ExamAdminError) -> None:
    """Show `error` on the field it names, or on the form when it names none we show.

    A refusal (NotPermitted) is not a form error: it is raised on, to the one
    place that maps it (examens.middleware.NotPermittedMiddleware)."""
    if isinstance(error, NotPermitted):
        raise error
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


def render_form(
    request: HttpRequest, template: str, context: dict, *, form: forms.Form
) -> HttpResponse:
    """Render a page with `form`: 400 when the form carries errors (the person and any
    client see the refusal), 200 otherwise."""
    return render(request, template, context, status=400 if form.errors else 200)
