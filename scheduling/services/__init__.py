"""Everything that changes scheduling state. One transaction and one audit event each.

Grown into a package (shared/style.md): sessions, cancelling, bookings, waiting list, door, feeds.
"""

from .book import book_candidate
from .bookings import (
    cancel_booking,
    mark_no_show,
    reschedule_booking,
)
from .cancelling import WithdrawalOutcome, cancel_session, withdraw_exam_version
from .door import check_in_booking, reject_at_door, report_irregularity
from .feeds import create_calendar_feed, feed_token_digest, revoke_calendar_feed
from .outbox import (
    claim_invitation,
    claim_reminder,
    mark_invitation_sent,
    record_invitation_failure,
    release_invitation,
)
from .sessions import (
    assign_staff,
    close_booking,
    complete_session_results,
    create_session,
    mark_session_held,
    publish_session,
)
from .waiting import accept_offer, add_to_waiting_list, expire_offer, withdraw_from_waiting_list

__all__ = [
    "WithdrawalOutcome",
    "accept_offer",
    "add_to_waiting_list",
    "assign_staff",
    "book_candidate",
    "cancel_booking",
    "cancel_session",
    "check_in_booking",
    "create_calendar_feed",
    "claim_invitation",
    "claim_reminder",
    "close_booking",
    "complete_session_results",
    "create_session",
    "expire_offer",
    "feed_token_digest",
    "mark_invitation_sent",
    "mark_no_show",
    "mark_session_held",
    "publish_session",
    "record_invitation_failure",
    "reject_at_door",
    "release_invitation",
    "report_irregularity",
    "reschedule_booking",
    "revoke_calendar_feed",
    "withdraw_exam_version",
    "withdraw_from_waiting_list",
]
