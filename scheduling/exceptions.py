"""Domain errors of scheduling: each names its rule (`code`) and the input at fault (`field`)."""

from django.utils.translation import gettext_lazy as _

from examens.exceptions import ExamAdminError


class SchedulingError(ExamAdminError):
    code = "scheduling_error"


class SessionError(SchedulingError):
    """A session cannot be planned or moved like this."""

    code = "session_error"


class BookingRefused(SchedulingError):
    """A booking rule refused the booking; `code` names the rule that failed."""

    code = "booking_refused"
    status = 409


class SessionFull(BookingRefused):
    code = "session_full"
    default_message = _("The session is full: no seat is free.")


class AlreadyBooked(BookingRefused):
    code = "already_booked"
    default_message = _("The candidate already has an open booking for this component.")


class IdempotencyConflict(SchedulingError):
    code = "idempotency_key_reused"
    status = 422
    default_message = _("This Idempotency-Key was already used for a different booking.")


class BookingStateError(SchedulingError):
    """The booking is not in a state that allows this action."""

    code = "booking_state"
    status = 409
