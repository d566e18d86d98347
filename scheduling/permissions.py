"""Access gates for scheduling: one function per object kind, one condition per line.

Planners (and organisation admins) of a centre's organisation plan its
sessions; the agency's planners plan every centre. Assigned examiners and
invigilators may open check-in for their own sessions. Every gate answers
Http404 for "absent" and "not yours" alike.
"""

from __future__ import annotations

from typing import cast

from django.db.models import Q, QuerySet
from django.http import Http404

from examens.audit import Actor
from examens.authz import ClientActor, is_person
from examens.gates import gate
from examens.models import Candidate, ExamCentre, ExamVersion, Organisation, Role, User
from examens.permissions import is_agency_member, organisations_for, visible_candidates

from .models import Booking, CalendarFeed, ExamSession, WaitingListEntry

PLANNER_ROLES = {Role.PLANNER, Role.ADMIN}


def planner_centres(user: User) -> QuerySet[ExamCentre]:
    """The centres `user` plans: their organisations' centres, or all for the agency."""
    if not user.is_authenticated:
        return ExamCentre.objects.none()
    if is_agency_member(user, PLANNER_ROLES):
        return ExamCentre.objects.all()
    return ExamCentre.objects.filter(organisation__in=organisations_for(user, PLANNER_ROLES))


def is_planner(user: User) -> bool:
    return organisations_for(user, PLANNER_ROLES).exists()


def planned_sessions(user: User) -> QuerySet[ExamSession]:
    return ExamSession.objects.filter(centre__in=planner_centres(user))


def session_for_planner(user: User, session_id: int) -> ExamSession:
    return gate(
        planned_sessions(user).select_related("centre", "room", "component", "exam_version"),
        pk=session_id,
    )


def session_for_door(user: User, session_id: int) -> ExamSession:
    """Check-in: the session's planners and its assigned examiners or invigilators."""
    planned = Q(centre__in=planner_centres(user))
    assigned = Q(assignments__user=user) if user.is_authenticated else Q(pk__in=[])
    return gate(
        ExamSession.objects.filter(planned | assigned)
        .distinct()
        .select_related("centre", "room", "component", "exam_version"),
        pk=session_id,
    )


def booking_for_planner(user: User, booking_id: int) -> Booking:
    return gate(
        Booking.objects.filter(session__centre__in=planner_centres(user)).select_related(
            "session", "session__centre", "candidate", "component"
        ),
        pk=booking_id,
    )


def booking_at_door(user: User, session: ExamSession, booking_id: int) -> Booking:
    """A booking of a session the user already passed the door gate for."""
    return gate(
        Booking.objects.select_related("candidate", "session"), pk=booking_id, session=session
    )


def bookable_candidates(user: User) -> QuerySet[Candidate]:
    """Planners book the candidates they may see (their residents, or all for the agency)."""
    return visible_candidates(user, roles=PLANNER_ROLES)


def candidate_for_booking(user: User, candidate_id: int) -> Candidate:
    return gate(bookable_candidates(user).select_related("route"), pk=candidate_id)


def waiting_entry_for_planner(user: User, entry_id: int) -> WaitingListEntry:
    return gate(WaitingListEntry.objects.filter(centre__in=planner_centres(user)), pk=entry_id)


def centre_for_planner(user: User, centre_id: int) -> ExamCentre:
    return gate(planner_centres(user), pk=centre_id)


def may_withdraw_versions(user: User) -> bool:
    """Exam versions are national: only the agency's planners withdraw one."""
    return user.is_authenticated and is_agency_member(user, PLANNER_ROLES)


def version_for_withdrawal(user: User, version_id: int) -> ExamVersion:
    if not may_withdraw_versions(user):
        raise Http404
    return gate(ExamVersion.objects.select_related("component"), pk=version_id)


def has_own_feed(user: User) -> bool:
    """Examiners (and invigilators, who are examiner members) may keep their own feed."""
    return user.is_authenticated and organisations_for(user, {Role.EXAMINER}).exists()


def feeds_for(user: User) -> QuerySet[CalendarFeed]:
    """The feeds `user` manages: those of the centres they plan, and their own."""
    if not user.is_authenticated:
        return CalendarFeed.objects.none()
    return CalendarFeed.objects.filter(Q(centre__in=planner_centres(user)) | Q(user=user))


def feed_for_owner(user: User, feed_id: int) -> CalendarFeed:
    return gate(feeds_for(user), pk=feed_id)


# --- Predicates: the rules the gates above and the services share -------------------------


def can_plan(user: User, centre: ExamCentre) -> bool:
    return planner_centres(user).filter(pk=centre.pk).exists()


def can_plan_session(user: User, session: ExamSession) -> bool:
    return can_plan(user, session.centre)


def can_book_for(user: User, candidate: Candidate) -> bool:
    return bookable_candidates(user).filter(pk=candidate.pk).exists()


def can_work_door(user: User, session: ExamSession) -> bool:
    """Check-in: the session's planners and its assigned examiners or invigilators."""
    if can_plan_session(user, session):
        return True
    return user.is_authenticated and session.assignments.filter(user=user).exists()


def can_book(actor: Actor, session: ExamSession, candidate: Candidate) -> bool:
    """Book or cancel: a planner of the session who may book the candidate, or a machine
    client (scoped token) of an organisation that may book for the candidate."""
    if isinstance(actor, ClientActor):
        return may_book_for(actor.organisation, candidate)
    if not is_person(actor):
        return False
    person = cast(User, actor)  # is_person: an active User
    if not can_plan_session(person, session):
        return False
    return can_book_for(person, candidate)


def can_manage_feed(user: User, feed: CalendarFeed) -> bool:
    return feeds_for(user).filter(pk=feed.pk).exists()


def can_create_feed(user: User, *, centre: ExamCentre | None, owner: User | None) -> bool:
    """A centre's feed: its planners; a personal feed: the examiner themselves."""
    if centre is not None:
        return can_plan(user, centre)
    if owner is None or owner.pk != user.pk:
        return False
    return has_own_feed(user)


# --- Machine clients (scoped API tokens) ---------------------------------------------------


def candidates_for_organisation(organisation: Organisation) -> QuerySet[Candidate]:
    """What a token's organisation may book for: all (agency), residents (municipality),
    residents of contracting municipalities (provider)."""
    if organisation.kind == Organisation.Kind.AGENCY:
        return Candidate.objects.all()
    if organisation.kind == Organisation.Kind.MUNICIPALITY:
        return Candidate.objects.filter(municipality=organisation)
    return Candidate.objects.filter(municipality__providers=organisation)


def may_book_for(organisation: Organisation, candidate: Candidate) -> bool:
    """Whether `candidate` is in candidates_for_organisation(organisation), for a
    candidate already loaded (no query but for a provider)."""
    if organisation.kind == Organisation.Kind.AGENCY:
        return True
    if organisation.kind == Organisation.Kind.MUNICIPALITY:
        return candidate.municipality_id == organisation.pk
    return candidates_for_organisation(organisation).filter(pk=candidate.pk).exists()


def bookings_for_organisation(organisation: Organisation) -> QuerySet[Booking]:
    if organisation.kind == Organisation.Kind.AGENCY:
        return Booking.objects.all()
    return Booking.objects.filter(
        candidate__in=candidates_for_organisation(organisation).values("pk")
    )
