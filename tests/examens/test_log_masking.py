"""A BSN never reaches a log: every handler masks, in every form the number is written."""

import io
import logging
import sys

import pytest
from django.core import mail
from django.test import RequestFactory

from config.celery import mask_bsns_in_worker_logs
from examens.privacy import MaskBsnLogFilter, MaskingAdminEmailHandler, mask_bsns_in_text
from tests.examens.factories import make_bsn


def written(number: str) -> list[str]:
    """A BSN as people write it: plain, 4-2-3 and 3-3-3 with dots, spaces or hyphens."""
    a, b, c = number[:4], number[4:6], number[6:]
    forms = [number]
    for sep in (".", " ", "-", "\u00a0"):
        forms.append(f"{a}{sep}{b}{sep}{c}")
        forms.append(f"{number[:3]}{sep}{number[3:6]}{sep}{number[6:]}")
    return forms


def test_the_masker_catches_every_written_form():
    number = make_bsn()
    for form in written(number):
        masked = mask_bsns_in_text(f"gezocht op {form}, gevonden")
        assert masked == f"gezocht op *****{number[5:]}, gevonden", form


def test_the_masker_leaves_numbers_that_are_no_bsn():
    number = make_bsn()
    text = (
        "123456789 fails the 11-check; "
        f"{number}0 and 1{number} are longer; "
        f"{number[:4]}.{number[4:6]}-{number[6:]} mixes separators; "
        "2026-12-02 12:30:00; booking EB-ABCD-EFGH"
    )
    assert mask_bsns_in_text(text) == text


def test_the_filter_masks_message_arguments_traceback_and_stack():
    number = make_bsn()
    dotted = f"{number[:4]}.{number[4:6]}.{number[6:]}"
    try:
        raise ValueError(f"no candidate {dotted}")
    except ValueError:
        record = logging.getLogger("x").makeRecord(
            "x", logging.ERROR, __file__, 1, "look-up %s", (number,), exc_info=sys.exc_info()
        )
    record.stack_info = f"Stack: lookup({number})"

    MaskBsnLogFilter().filter(record)
    output = logging.Formatter().format(record)

    assert number not in output
    assert dotted not in output
    assert output.count(f"*****{number[5:]}") == 3


def every_product_handler():
    """(logger name, handler) of every handler configured in the process: pytest's own and
    libraries' NullHandlers (which write nowhere) aside."""
    manager = logging.Logger.manager
    loggers = [logging.getLogger()] + [
        item for item in manager.loggerDict.values() if isinstance(item, logging.Logger)
    ]
    for logger in loggers:
        for handler in logger.handlers:
            if type(handler).__module__.startswith("_pytest"):
                continue
            if isinstance(handler, logging.NullHandler):
                continue
            yield logger.name, handler


def test_every_configured_handler_masks():
    handlers = list(every_product_handler())
    names = {name for name, _handler in handlers}

    assert {"root", "django", "django.server"} <= names
    for name, handler in handlers:
        assert any(isinstance(f, MaskBsnLogFilter) for f in handler.filters), (name, handler)
    assert any(isinstance(h, MaskingAdminEmailHandler) for _name, h in handlers)


@pytest.fixture
def access_log():
    """What the access log (`django.server`: runserver's request lines) writes."""
    buffer = io.StringIO()
    handlers = [
        handler
        for name, handler in every_product_handler()
        if name == "django.server" and isinstance(handler, logging.StreamHandler)
    ]
    assert handlers
    previous = [handler.setStream(buffer) for handler in handlers]
    yield buffer
    for handler, stream in zip(handlers, previous, strict=True):
        handler.setStream(stream)


def test_the_access_log_masks_a_bsn_in_a_get_query(access_log):
    """The probe's finding: a GET search with a BSN was logged in full by runserver."""
    number = make_bsn()
    for form in written(number):
        # As django.core.servers.basehttp.WSGIRequestHandler.log_message logs a request.
        logging.getLogger("django.server").info(
            '"%s" %s %s',
            f"GET /candidates/?q={form} HTTP/1.1",
            "200",
            "5120",
            extra={"status_code": 200},
        )

    output = access_log.getvalue()
    assert output.count("GET /candidates/?q=") == len(written(number))
    for form in written(number):
        assert form not in output
    assert output.count(f"*****{number[5:]}") == len(written(number))


def test_the_admin_error_mail_is_masked_whole(settings):
    """Django's error mail carries the request's POST data: a BSN typed into the look-up."""
    settings.ADMINS = [("Beheer", "beheer@examens.example.nl")]
    number = make_bsn()
    spaced = f"{number[:4]} {number[4:6]} {number[6:]}"
    request = RequestFactory().post("/candidates/find/", {"bsn": spaced, "q": number})
    handler = next(
        h for _n, h in every_product_handler() if isinstance(h, MaskingAdminEmailHandler)
    )
    try:
        raise RuntimeError(f"lookup failed for {number}")
    except RuntimeError:
        record = logging.getLogger("django.request").makeRecord(
            "django.request",
            logging.ERROR,
            __file__,
            1,
            "Internal Server Error: %s",
            ("/candidates/find/",),
            exc_info=sys.exc_info(),
            extra={"request": request, "status_code": 500},
        )

    handler.handle(record)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    text = message.subject + message.body
    assert "lookup failed" in text
    assert "/candidates/find/" in text
    assert number not in text
    assert spaced not in text
    assert f"*****{number[5:]}" in text


def test_celery_worker_handlers_get_the_mask():
    logger = logging.getLogger("tests.worker-like")
    handler = logging.StreamHandler(io.StringIO())
    logger.addHandler(handler)
    try:
        mask_bsns_in_worker_logs()  # connected to after_setup_logger / after_setup_task_logger
        logger.warning("task for %s", make_bsn())
        assert any(isinstance(f, MaskBsnLogFilter) for f in handler.filters)
        assert "*****" in handler.stream.getvalue()
    finally:
        logger.removeHandler(handler)
