"""The registry: organisations, centres, staff, candidates, the exam catalogue,
decisions and the audit trail. Every other app stands on these.

One module per seam; every model is re-exported here, so `from examens.models
import X` is the one way to name them.
"""

from .audit import AuditEvent
from .candidates import Accommodation, Candidate, Decision
from .catalogue import Component, ExamVersion, Level, Regime, Route, RouteRequirement
from .organisations import ExamCentre, Membership, Organisation, Role, Room, User
from .tokens import KNOWN_SCOPES, ApiScope, ApiToken

__all__ = [
    "KNOWN_SCOPES",
    "Accommodation",
    "ApiScope",
    "ApiToken",
    "AuditEvent",
    "Candidate",
    "Component",
    "Decision",
    "ExamCentre",
    "ExamVersion",
    "Level",
    "Membership",
    "Organisation",
    "Regime",
    "Role",
    "Room",
    "Route",
    "RouteRequirement",
    "User",
]
