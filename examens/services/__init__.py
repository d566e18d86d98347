"""Everything that changes the registry. Each service is one transaction with its audit event.

Grown into a package (shared/style.md): candidates and decisions, memberships and API tokens.
"""

from .access import (
    create_api_token,
    grant_membership,
    hash_api_key,
    record_api_token_use,
    revoke_api_token,
    revoke_membership,
    set_bsn_export,
)
from .candidates import (
    CANDIDATE_EDITABLE_FIELDS,
    add_years,
    normalise_bsn,
    record_decision,
    register_candidate,
    update_candidate,
    withdraw_decision,
)

__all__ = [
    "CANDIDATE_EDITABLE_FIELDS",
    "add_years",
    "create_api_token",
    "grant_membership",
    "hash_api_key",
    "normalise_bsn",
    "record_api_token_use",
    "record_decision",
    "register_candidate",
    "revoke_api_token",
    "revoke_membership",
    "set_bsn_export",
    "update_candidate",
    "withdraw_decision",
]
