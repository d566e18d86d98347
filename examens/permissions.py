"""Access gates for the registry: one function per object kind, one condition per line.

A member sees and changes only what belongs to their organisation; a
municipality sees only its own residents; the agency (DUO) sees all. Gates
raise Http404 both for "absent" and "not yours", so that ids cannot be probed.
"""

from __future__ import annotations

from collections.abc import Collection

from django.db.models import Q, QuerySet
from django.http import Http404

from .gates import gate
from .models import ApiToken, Candidate, ExamCentre, Membership, Organisation, Role, Room, User

CANDIDATE_VIEW_ROLES = {Role.PLANNER, Role.EXAMINER, Role.OFFICER, Role.ADMIN}
CANDIDATE_CHANGE_ROLES = {Role.OFFICER, Role.ADMIN}
CENTRE_CHANGE_ROLES = {Role.PLANNER, Role.ADMIN}
# Who may record which decision: the agency decides exemptions and extensions,
# the municipality steps down; both record accommodation needs.
DECISION_KINDS_BY_ORGANISATION_KIND: dict[str, set[str]] = {
    Organisation.Kind.AGENCY: {"exemption", "term_extension", "accommodation", "step_down"},
    Organisation.Kind.MUNICIPALITY: {"step_down", "accommodation"},
    Organisation.Kind.PROVIDER: set(),
}


def memberships(user: User, roles: Collection[str] | None = None) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    qs = Membership.objects.filter(user=user)
    if roles is not None:
        qs = qs.filter(role__in=roles)
    return qs


def organisations_for(user: User, roles: Collection[str] | None = None) -> QuerySet[Organisation]:
    return Organisation.objects.filter(pk__in=memberships(user, roles).values("organisation_id"))


def is_agency_member(user: User, roles: Collection[str] | None = None) -> bool:
    return memberships(user, roles).filter(organisation__kind=Organisation.Kind.AGENCY).exists()


def visible_candidates(
    user: User, *, roles: Collection[str] = CANDIDATE_VIEW_ROLES
) -> QuerySet[Candidate]:
    """The candidates `user` may see in any of `roles`.

    Agency members see everyone; municipality members their own residents;
    provider members the residents of the municipalities that contracted them.
    """
    if is_agency_member(user, roles):
        return Candidate.objects.all()
    orgs = organisations_for(user, roles)
    municipalities = Q(municipality__in=orgs.filter(kind=Organisation.Kind.MUNICIPALITY))
    contracting = Q(municipality__providers__in=orgs.filter(kind=Organisation.Kind.PROVIDER))
    return Candidate.objects.filter(municipalities | contracting).distinct()


def candidate_for_viewer(user: User, candidate_id: int) -> Candidate:
    return gate(visible_candidates(user), pk=candidate_id)


def candidate_for_editor(user: User, candidate_id: int) -> Candidate:
    return gate(visible_candidates(user, roles=CANDIDATE_CHANGE_ROLES), pk=candidate_id)


def decision_kinds_for(user: User, candidate: Candidate) -> set[str]:
    """Which kinds of decision `user` may record for `candidate` (empty: none)."""
    kinds: set[str] = set()
    for membership in memberships(user, CANDIDATE_CHANGE_ROLES).select_related("organisation"):
        org = membership.organisation
        if org.kind == Organisation.Kind.MUNICIPALITY and org.pk != candidate.municipality_id:
            continue
        kinds |= DECISION_KINDS_BY_ORGANISATION_KIND[org.kind]
    return kinds


def visible_centres(user: User, roles: Collection[str] | None = None) -> QuerySet[ExamCentre]:
    """Centres of the user's organisations; the agency's members see every centre."""
    if is_agency_member(user, roles):
        return ExamCentre.objects.all()
    return ExamCentre.objects.filter(organisation__in=organisations_for(user, roles))


def centre_for_viewer(user: User, centre_id: int) -> ExamCentre:
    return gate(visible_centres(user), pk=centre_id)


def centre_for_editor(user: User, centre_id: int) -> ExamCentre:
    """Only members of the centre's own organisation change it (the agency included)."""
    return gate(
        ExamCentre.objects.filter(organisation__in=organisations_for(user, CENTRE_CHANGE_ROLES)),
        pk=centre_id,
    )


def room_for_editor(user: User, room_id: int) -> Room:
    return gate(
        Room.objects.filter(centre__organisation__in=organisations_for(user, CENTRE_CHANGE_ROLES)),
        pk=room_id,
    )


def organisation_for_admin(user: User, organisation_id: int) -> Organisation:
    return gate(organisations_for(user, {Role.ADMIN}), pk=organisation_id)


def administered_organisations(user: User) -> QuerySet[Organisation]:
    """The organisations `user` is an admin of, by name: whose tokens and webhooks they manage."""
    return organisations_for(user, {Role.ADMIN}).order_by("name")


def visible_tokens(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(organisation__in=organisations_for(user, {Role.ADMIN}))


def token_for_admin(user: User, token_id: int) -> ApiToken:
    return gate(visible_tokens(user).select_related("organisation"), pk=token_id)


def deciding_organisation(user: User, candidate: Candidate, kind: str) -> Organisation:
    """The organisation in whose name `user` records a `kind` decision for `candidate`.

    The agency comes first where it may decide; otherwise the candidate's own
    municipality. Raises Http404 when the user may not record this kind.
    """
    for membership in (
        memberships(user, CANDIDATE_CHANGE_ROLES)
        .select_related("organisation")
        .order_by("organisation__kind")
    ):
        org = membership.organisation
        if org.kind == Organisation.Kind.MUNICIPALITY and org.pk != candidate.municipality_id:
            continue
        if kind in DECISION_KINDS_BY_ORGANISATION_KIND[org.kind]:
            return org
    raise Http404


# --- Predicates: the rules the gates above and the services (examens.authz) share ----------


def is_member(user: User, organisation: Organisation, roles: Collection[str]) -> bool:
    return memberships(user, roles).filter(organisation=organisation).exists()


def can_administer(user: User, organisation: Organisation) -> bool:
    """Memberships and API tokens: the organisation's admins, and platform superusers."""
    if user.is_superuser:
        return True
    return is_member(user, organisation, {Role.ADMIN})


def can_register_candidate(user: User, municipality: Organisation) -> bool:
    """Officers and admins of the municipality of residence, or of the agency."""
    if is_agency_member(user, CANDIDATE_CHANGE_ROLES):
        return True
    return is_member(user, municipality, CANDIDATE_CHANGE_ROLES)


def can_edit_candidate(user: User, candidate: Candidate) -> bool:
    return visible_candidates(user, roles=CANDIDATE_CHANGE_ROLES).filter(pk=candidate.pk).exists()


def can_record_decision(
    user: User, candidate: Candidate, kind: str, organisation: Organisation
) -> bool:
    """`user` may record `kind` for `candidate` in the name of `organisation`."""
    if kind not in decision_kinds_for(user, candidate):
        return False
    if not is_member(user, organisation, CANDIDATE_CHANGE_ROLES):
        return False
    if organisation.kind == Organisation.Kind.MUNICIPALITY:
        return organisation.pk == candidate.municipality_id
    return kind in DECISION_KINDS_BY_ORGANISATION_KIND[organisation.kind]


def can_record_late_result_extension(user: User) -> bool:
    """The term extension a late result earns is recorded by whoever releases results
    (grading's release_result authorises the release itself)."""
    return memberships(user, {Role.EXAMINER, Role.ADMIN}).exists()


def can_withdraw_decision(user: User, candidate: Candidate, kind: str) -> bool:
    return kind in decision_kinds_for(user, candidate)
