"""One place where views turn a domain error into what the person sees."""

from django import forms

from examens.exceptions import ExamAdminError


def attach_error(form: forms.Form, error: ExamAdminError) -> None:
    """Show `error` on the field it names, or on the form when it names none we show."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))
