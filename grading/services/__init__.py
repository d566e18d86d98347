"""Everything that changes grading. Each service is one transaction with its audit event."""

from .imports import ImportOutcome, import_machine_scores
from .ratings import grant_qualification, record_rating, withdraw_qualification
from .release import correct_result, release_result, release_session_results
from .results import record_attendance_outcome
from .signoff import flag_overdue_results, sign_off_component

__all__ = [
    "ImportOutcome",
    "correct_result",
    "flag_overdue_results",
    "grant_qualification",
    "import_machine_scores",
    "record_attendance_outcome",
    "record_rating",
    "release_result",
    "release_session_results",
    "sign_off_component",
    "withdraw_qualification",
]
