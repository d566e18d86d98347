"""Domain errors of grading. Each has a stable `code`; views and the API map them in one place."""

from django.utils.translation import gettext_lazy as _

from examens.exceptions import ExamAdminError, NotPermitted


class GradingError(ExamAdminError):
    code = "grading_error"


class ScoringError(GradingError):
    """A score or a table does not fit the exam version or rubric."""

    code = "invalid_score"
    default_message = _("This score does not fit the exam version.")


class NotQualified(GradingError, NotPermitted):
    code = "not_qualified"
    status = 403
    default_message = _("You are not a qualified examiner for this attempt.")


class AlreadyRated(GradingError):
    code = "already_rated"
    status = 409
    default_message = _("You have already rated this attempt.")


class RatingNotNeeded(GradingError):
    code = "rating_not_needed"
    status = 409
    default_message = _("This attempt needs no further rating.")


class ResultStateError(GradingError):
    code = "invalid_result_state"
    status = 409
    default_message = _("The result is not in a state that allows this.")


class EvidenceMissing(GradingError):
    code = "evidence_missing"
    default_message = _("The evidence this component needs is missing.")


class ImportRejected(GradingError):
    """A file with a bad row: nothing was imported; `details["errors"]` lists every one."""

    code = "import_rejected"
    default_message = _("The file was not imported: it contains errors.")


class ImportTooLarge(ImportRejected):
    """A file over a configured limit (bytes or rows): refused before it is read further."""

    code = "file_too_large"
    status = 413
    default_message = _("The file is over the size limit.")
