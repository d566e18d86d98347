"""Access gates for grading: one function per object kind, one condition per line.

Gates raise Http404 for "absent" and "not yours" alike, so that ids cannot be
probed. Who rates: an examiner with a qualification valid today for the
component (and level, when the qualification names one), of the session's
own organisation, or assigned to the session as examiner (the agency assigns).
Who releases and corrects: an examiner or admin of the session's organisation,
or of the agency. Who grants and withdraws qualifications: an admin of the
qualification's organisation (the agency's admins for the agency).
"""

from __future__ import annotations

import datetime
from typing import cast

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from examens.api_auth import MachineClient
from examens.audit import Actor
from examens.authz import ClientActor, is_person
from examens.gates import gate
from examens.models import Candidate, Component, Organisation, Role, User
from examens.permissions import is_agency_member, organisations_for, visible_candidates
from scheduling.models import Booking, ExamSession, SessionStaff

from .models import ExaminerQualification, Result

COORDINATOR_ROLES = {Role.EXAMINER, Role.ADMIN}
QUALIFICATION_ADMIN_ROLES = {Role.ADMIN}


def valid_qualifications(
    user: User, *, component: Component, level: str = "", on: datetime.date | None = None
) -> QuerySet[ExaminerQualification]:
    on = on or timezone.localdate()
    if not user.is_authenticated:
        return ExaminerQualification.objects.none()
    return ExaminerQualification.objects.filter(
        Q(level="") | Q(level=level),
        user=user,
        component=component,
        valid_from__lte=on,
        valid_until__gte=on,
        withdrawn_at__isnull=True,
    )


def can_rate(user: User, booking: Booking, *, on: datetime.date | None = None) -> bool:
    qualifications = valid_qualifications(
        user, component=booking.component, level=booking.level, on=on
    )
    if not qualifications.exists():
        return False
    session = booking.session
    if qualifications.filter(organisation_id=session.centre.organisation_id).exists():
        return True
    return SessionStaff.objects.filter(
        session=session, user=user, role=SessionStaff.Role.EXAMINER
    ).exists()


def rateable_bookings(user: User, *, on: datetime.date | None = None) -> QuerySet[Booking]:
    """Sat attempts at rated components that `user` may rate (the worklist's universe)."""
    on = on or timezone.localdate()
    if not user.is_authenticated:
        return Booking.objects.none()
    quals = ExaminerQualification.objects.filter(
        user=user, valid_from__lte=on, valid_until__gte=on, withdrawn_at__isnull=True
    )
    condition = Q(pk__in=[])
    for q in quals:
        level = Q() if not q.level else Q(level=q.level)
        own_org = Q(session__centre__organisation_id=q.organisation_id)
        assigned = Q(
            session__assignments__user=user,
            session__assignments__role=SessionStaff.Role.EXAMINER,
        )
        condition |= Q(component_id=q.component_id) & level & (own_org | assigned)
    return (
        Booking.objects.filter(condition, component__assessment=Component.Assessment.RATED)
        .filter(status=Booking.Status.CHECKED_IN)
        .distinct()
    )


def booking_for_rater(user: User, booking_id: int) -> Booking:
    booking = gate(
        Booking.objects.select_related(
            "session__centre", "session__exam_version", "component", "candidate"
        ),
        pk=booking_id,
    )
    if not can_rate(user, booking):
        raise Http404
    return booking


def coordinated_sessions(user: User) -> QuerySet[ExamSession]:
    if is_agency_member(user, COORDINATOR_ROLES):
        return ExamSession.objects.all()
    return ExamSession.objects.filter(
        centre__organisation__in=organisations_for(user, COORDINATOR_ROLES)
    )


def session_for_coordinator(user: User, session_id: int) -> ExamSession:
    return gate(
        coordinated_sessions(user).select_related("centre", "component", "exam_version"),
        pk=session_id,
    )


def result_for_coordinator(user: User, result_id: int) -> Result:
    """A result of a session the user coordinates, or a sign-off they may make."""
    result = gate(
        Result.objects.select_related("candidate", "component", "booking__session"), pk=result_id
    )
    if not can_release(user, result):
        raise Http404
    return result


def result_for_viewer(user: User, result_id: int) -> Result:
    """Who may see the candidate, or coordinates the result, may see its history."""
    try:
        return gate(
            Result.objects.select_related("candidate", "component"),
            pk=result_id,
            candidate__in=visible_candidates(user),
        )
    except Http404:
        return result_for_coordinator(user, result_id)


def sign_off_organisations(candidate: Candidate) -> QuerySet[Organisation]:
    """The candidate's municipality and the providers it contracted."""
    return Organisation.objects.filter(
        Q(pk=candidate.municipality_id) | Q(contracted_by=candidate.municipality_id)
    ).distinct()


def can_sign_off(
    user: User, candidate: Candidate, component: Component, *, on: datetime.date | None = None
) -> bool:
    return (
        valid_qualifications(user, component=component, on=on)
        .filter(organisation__in=sign_off_organisations(candidate))
        .exists()
    )


def candidate_for_sign_off(user: User, candidate_id: int) -> Candidate:
    return gate(visible_candidates(user, roles={Role.EXAMINER}), pk=candidate_id)


def qualification_organisations(user: User) -> QuerySet[Organisation]:
    """Organisations whose examiner qualifications `user` manages (where they are admin)."""
    return organisations_for(user, QUALIFICATION_ADMIN_ROLES)


def organisation_for_qualification_admin(user: User, organisation_id: int) -> Organisation:
    return gate(qualification_organisations(user), pk=organisation_id)


def qualification_for_admin(user: User, qualification_id: int) -> ExaminerQualification:
    return gate(
        ExaminerQualification.objects.select_related("user", "component", "organisation"),
        pk=qualification_id,
        organisation__in=qualification_organisations(user),
    )


def qualifiable_examiners(organisation: Organisation) -> QuerySet[User]:
    """Members of `organisation` in the examiner role: who may be qualified for it."""
    return User.objects.filter(
        memberships__organisation=organisation,
        memberships__role=Role.EXAMINER,
    ).distinct()


# --- Predicates: the rules the gates above and the services share -------------------------


def can_coordinate(user: User, session: ExamSession) -> bool:
    """Release, correct and record attendance for a session's results."""
    return coordinated_sessions(user).filter(pk=session.pk).exists()


def can_release(user: User, result: Result) -> bool:
    """Release or correct `result`: its session's coordinators; a sign-off, who may sign off."""
    if result.booking_id:
        return coordinated_sessions(user).filter(bookings__pk=result.booking_id).exists()
    return can_sign_off(user, result.candidate, result.component)


def can_manage_qualifications(user: User, organisation: Organisation) -> bool:
    return qualification_organisations(user).filter(pk=organisation.pk).exists()


def import_scope(actor: Actor) -> set[int] | None:
    """Whose bookings `actor` may import scores for: None (all: the agency), or the
    organisations' ids (a machine client: its own; a person: where examiner or admin)."""
    if isinstance(actor, ClientActor):
        if actor.organisation.kind == Organisation.Kind.AGENCY:
            return None
        return {actor.organisation.pk}
    if not is_person(actor):
        return set()
    person = cast(User, actor)  # is_person: an active User
    if is_agency_member(person, COORDINATOR_ROLES):
        return None
    return set(organisations_for(person, COORDINATOR_ROLES).values_list("pk", flat=True))


def can_import(actor: Actor, organisation_ids: set[int] | None) -> bool:
    """Import into `organisation_ids` (None: all): within the actor's import_scope."""
    scope = import_scope(actor)
    if scope is None:
        return True
    if organisation_ids is None:
        return False
    return bool(scope) and organisation_ids <= scope


def api_candidates(user: User | AnonymousUser | MachineClient) -> QuerySet[Candidate]:
    """The candidates an API caller may read (grading's results, monitoring's exchange).

    A token acts for its organisation: the agency sees everyone, a municipality its
    residents, a provider the residents of the municipalities that contracted it. A
    person sees whom the registry lets them see; an anonymous caller nobody. Each
    candidate once (no join rows).
    """
    if isinstance(user, MachineClient):
        organisation = user.organisation
        if organisation.kind == Organisation.Kind.AGENCY:
            return Candidate.objects.all()
        return Candidate.objects.filter(
            Q(municipality=organisation) | Q(municipality__in=organisation.contracted_by.all())
        )
    if not isinstance(user, User):
        return Candidate.objects.none()
    return visible_candidates(user)
