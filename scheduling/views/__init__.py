"""Planner pages, split along their seams: planning, bookings, the door, calendar feeds."""

from .book import session_book, session_book_find
from .bookings import booking_cancel, booking_detail, booking_no_show, booking_reschedule
from .door import door
from .feeds import calendar_feed, feed_create, feed_revoke, feeds
from .letters import letter_pdf, letter_sent, letters
from .planning import (
    session_cancel,
    session_create,
    session_detail,
    session_held,
    session_publish,
    session_staff,
    version_withdraw,
    versions,
    week,
)
from .waiting import offer_accept, waiting_find, waiting_list

__all__ = [
    "booking_cancel",
    "booking_detail",
    "booking_no_show",
    "booking_reschedule",
    "calendar_feed",
    "door",
    "feed_create",
    "feed_revoke",
    "feeds",
    "letter_pdf",
    "letter_sent",
    "letters",
    "offer_accept",
    "session_book",
    "session_book_find",
    "session_cancel",
    "session_create",
    "session_detail",
    "session_held",
    "session_publish",
    "session_staff",
    "version_withdraw",
    "versions",
    "waiting_find",
    "waiting_list",
    "week",
]
