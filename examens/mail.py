"""Mail in both languages: the reader's language first, then the other one."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

# Transient mail-server errors: tasks retry these with back-off, never domain errors.
TRANSIENT_MAIL_ERRORS = (smtplib.SMTPException, ConnectionError, TimeoutError)


def render_bilingual(
    subject_template: str, body_template: str, context: dict, first: str = "nl"
) -> tuple[str, str]:
    """Subject and body rendered in `first`, then in the other languages.

    A text that comes out the same in two languages (not translated yet) is
    shown once.
    """
    languages = [code for code, _name in settings.LANGUAGES]
    order = [first] + [code for code in languages if code != first]
    subjects: list[str] = []
    bodies: list[str] = []
    for language in order:
        with translation.override(language):
            subject = render_to_string(subject_template, context).strip()
            body = render_to_string(body_template, context).strip()
        if subject not in subjects:
            subjects.append(subject)
        if body not in bodies:
            bodies.append(body)
    return " / ".join(subjects), "\n\n----------\n\n".join(bodies) + "\n"
