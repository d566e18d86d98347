"""Everything that changes certificates and signing keys. One transaction and audit event each.

Grown into a package (shared/style.md): signing keys, issuing, status after issue,
the sweep's mark.
"""

from .issuing import (
    AGENCY_ISSUER,
    PROGRESS_OUTCOMES,
    SERIAL_ALPHABET,
    candidate_progress,
    issue_certificate,
    issuer_for,
    new_serial,
    record_certificate_stored,
    reevaluate_certificate,
    storage_key_for,
)
from .keys import current_signing_key, rotate_signing_key
from .status import (
    count_verification,
    flush_verification_counts,
    reinstate_certificate,
    revoke_certificate,
    suspend_certificate,
)
from .sweep import ISSUING_SWEEP, advance_issuing_sweep

__all__ = [
    "AGENCY_ISSUER",
    "ISSUING_SWEEP",
    "PROGRESS_OUTCOMES",
    "SERIAL_ALPHABET",
    "advance_issuing_sweep",
    "candidate_progress",
    "count_verification",
    "current_signing_key",
    "flush_verification_counts",
    "issue_certificate",
    "issuer_for",
    "new_serial",
    "record_certificate_stored",
    "reevaluate_certificate",
    "reinstate_certificate",
    "revoke_certificate",
    "rotate_signing_key",
    "storage_key_for",
    "suspend_certificate",
]
