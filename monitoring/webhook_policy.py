"""The webhook outbox's timing: its clock, the lease, the backoff, how long it tries.

Pure apart from the clock, which reads `settings.WEBHOOK_CLOCK` (seconds since the
epoch, `time.time` unless a test moves it by hand).
"""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings

# Longer than one send with its timeouts (connect and read, 10 s each by default).
LEASE = datetime.timedelta(minutes=2)
# A delivery is retried for this long after its event; an endpoint whose every
# attempt failed for this long is disabled.
RETRY_FOR = datetime.timedelta(days=1)
FIRST_DELAY = datetime.timedelta(seconds=30)
MAX_DELAY = datetime.timedelta(hours=1)
# While any delivery of an endpoint is pending, its attempts are at most MAX_DELAY
# apart: a longer silence ends a run of failures (no endpoint is disabled for one
# failure after a quiet week).
STREAK_GAP = 2 * MAX_DELAY

_random = secrets.SystemRandom()


def now() -> datetime.datetime:
    return datetime.datetime.fromtimestamp(settings.WEBHOOK_CLOCK(), tz=datetime.UTC)


def backoff(attempts: int, *, fraction: float | None = None) -> datetime.timedelta:
    """The wait after the `attempts`-th failed attempt: 30 s, doubling, at most an hour,
    with "equal jitter" (half fixed, half random) so that the deliveries of one
    outage do not all come back at the same second. `fraction` in [0, 1] fixes the
    random half (tests)."""
    exponent = max(attempts - 1, 0)
    full = min(FIRST_DELAY * (2 ** min(exponent, 20)), MAX_DELAY)
    share = _random.random() if fraction is None else fraction
    return full / 2 + (full / 2) * share
