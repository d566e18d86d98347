"""Planner pages: week view, session, booking with eligibility feedback, waiting list, door."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from examens.gates import gate, require
from examens.models import ExamVersion, Room
from examens.views.errors import act, submit

from . import eligibility, ical, permissions, selectors, services
from .forms import (
    CancelBookingForm,
    CancelSessionForm,
    CandidateSearchForm,
    DoorActionForm,
    DoorSearchForm,
    FeedForm,
    RescheduleForm,
    SessionForm,
    StaffForm,
    WaitingListForm,
    WithdrawVersionForm,
)
from .models import CalendarFeed, ExamSession

CANDIDATES_PER_PAGE = 20


def _monday(value: str | None) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        day = timezone.localdate()
    return day - datetime.timedelta(days=day.weekday())


def week(request):
    monday = _monday(request.GET.get("week"))
    start = timezone.make_aware(datetime.datetime.combine(monday, datetime.time.min))
    centres = permissions.planner_centres(request.user)
    sessions = list(selectors.sessions_between(centres, start, start + datetime.timedelta(days=7)))
    return render(
        request,
        "scheduling/week.html",
        {
            "sessions": sessions,
            "monday": monday,
            "sunday": monday + datetime.timedelta(days=6),
            "previous": monday - datetime.timedelta(days=7),
            "next": monday + datetime.timedelta(days=7),
            "can_plan": centres.exists(),
            "can_withdraw": permissions.may_withdraw_versions(request.user),
        },
    )


def session_create(request):
    centres = permissions.planner_centres(request.user)
    rooms = Room.objects.filter(centre__in=centres).select_related("centre")
    form = SessionForm(request.POST or None, rooms=rooms)
    return submit(
        request,
        form,
        lambda data: services.create_session(
            actor=request.user,
            centre=data["room"].centre,
            room=data["room"],
            exam_version=data["exam_version"],
            starts_at=data["starts_at"],
            duration_minutes=data["duration_minutes"],
            capacity=data["capacity"],
            accommodations=data["accommodations"],
            max_extra_minutes=data["max_extra_minutes"],
        ),
        success=_("The session has been planned as a draft."),
        then=lambda session: redirect("scheduling:session-detail", session_id=session.pk),
        template="scheduling/session_form.html",
        context={"form": form},
    )


def _session_context(session: ExamSession, *, staff_form: StaffForm | None = None) -> dict:
    return {
        "session": session,
        "bookings": selectors.bookings_of(session),
        "staff": session.assignments.select_related("user"),
        "staff_form": staff_form
        or StaffForm(people=selectors.assignable_staff(session), auto_id="staff_%s"),
        "started": timezone.now() >= session.starts_at,
        "cancel_form": CancelSessionForm(),
        "cancel_booking_form": CancelBookingForm(),
    }


def _to_session(session_id: int) -> str:
    return reverse("scheduling:session-detail", kwargs={"session_id": session_id})


def session_detail(request, session_id: int):
    session = permissions.session_for_planner(request.user, session_id)
    return render(request, "scheduling/session_detail.html", _session_context(session))


@require_POST
def session_staff(request, session_id: int):
    """Assign an examiner or invigilator; refusals are shown on the person field."""
    session = permissions.session_for_planner(request.user, session_id)
    form = StaffForm(request.POST, people=selectors.assignable_staff(session), auto_id="staff_%s")
    return submit(
        request,
        form,
        lambda data: services.assign_staff(
            session, actor=request.user, user=data["user"], role=data["role"]
        ),
        success=_("The staff member is assigned."),
        then=_to_session(session.pk),
        template="scheduling/session_detail.html",
        context=_session_context(session, staff_form=form),
    )


@require_POST
def session_held(request, session_id: int):
    session = permissions.session_for_planner(request.user, session_id)
    return act(
        request,
        lambda: services.mark_session_held(session, actor=request.user),
        success=_("The session is marked as held."),
        then=_to_session(session.pk),
    )


@require_POST
def session_publish(request, session_id: int):
    session = permissions.session_for_planner(request.user, session_id)
    return act(
        request,
        lambda: services.publish_session(session, actor=request.user),
        success=_("The session is open for booking."),
        then=_to_session(session.pk),
    )


@require_POST
def session_cancel(request, session_id: int):
    session = permissions.session_for_planner(request.user, session_id)
    form = CancelSessionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for cancelling."))
        return redirect(_to_session(session.pk))
    return act(
        request,
        lambda: services.cancel_session(
            session, actor=request.user, reason=form.cleaned_data["reason"]
        ),
        success=_("The session is cancelled; the candidates are notified."),
        then=_to_session(session.pk),
    )


def session_book(request, session_id: int):
    """Find a candidate by name, see whether they may be booked, book them."""
    session = permissions.session_for_planner(request.user, session_id)
    form = CandidateSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""

    def page(chosen=None, *, status: int = 200):
        candidates = permissions.bookable_candidates(request.user).select_related("municipality")
        for word in query.split():
            candidates = candidates.filter(family_name__icontains=word) | candidates.filter(
                given_names__icontains=word
            )
        pages = Paginator(
            candidates.order_by("family_name", "given_names", "pk"), CANDIDATES_PER_PAGE
        )
        return render(
            request,
            "scheduling/book.html",
            {
                "session": session,
                "form": form,
                "query": query,
                "page": pages.get_page(request.GET.get("page")) if query else None,
                "chosen": chosen,
                "assessment": eligibility.assess(chosen, session) if chosen else None,
            },
            status=status,
        )

    if request.method == "POST":
        chosen = permissions.candidate_for_booking(request.user, request.POST.get("candidate"))

        def booked(booking):
            if booking.outside_term:
                messages.warning(
                    request, _("Note: the session falls outside the candidate's term.")
                )
            return redirect(_to_session(session.pk))

        return act(
            request,
            lambda: services.book_candidate(session, actor=request.user, candidate=chosen),
            success=lambda booking: (
                _("%(name)s is booked (reference %(ref)s).")
                % {"name": chosen.full_name, "ref": booking.reference}
            ),
            then=booked,
            refused=lambda error: page(chosen, status=409),
        )
    if request.GET.get("candidate"):
        return page(permissions.candidate_for_booking(request.user, request.GET.get("candidate")))
    return page()


@require_POST
def booking_cancel(request, booking_id: int):
    booking = permissions.booking_for_planner(request.user, booking_id)
    form = CancelBookingForm(request.POST)
    form.is_valid()
    return act(
        request,
        lambda: services.cancel_booking(
            booking,
            actor=request.user,
            reason=form.cleaned_data.get("reason", ""),
            reason_accepted=form.cleaned_data.get("reason_accepted", False),
        ),
        success=_("The booking is cancelled."),
        then=_to_session(booking.session_id),
    )


@require_POST
def booking_no_show(request, booking_id: int):
    booking = permissions.booking_for_planner(request.user, booking_id)
    return act(
        request,
        lambda: services.mark_no_show(booking, actor=request.user),
        success=_("Marked as a no-show; the attempt counts."),
        then=_to_session(booking.session_id),
    )


def booking_reschedule(request, booking_id: int):
    """Move a booking to another published session of the same component."""
    booking = permissions.booking_for_planner(request.user, booking_id)
    targets = selectors.reschedule_targets(booking, permissions.planner_centres(request.user))
    form = RescheduleForm(request.POST or None, sessions=targets)
    return submit(
        request,
        form,
        lambda data: services.reschedule_booking(
            booking,
            actor=request.user,
            to_session=data["to_session"],
            reason=data["reason"],
            reason_accepted=data["reason_accepted"],
        ),
        success=lambda new: (
            _("The booking is moved (new reference %(ref)s).") % {"ref": new.reference}
        ),
        then=lambda new: redirect(_to_session(new.session_id)),
        template="scheduling/reschedule.html",
        context={
            "booking": booking,
            "form": form,
            "has_targets": targets.exists(),
            "late": selectors.late_move(booking),
            "free_days": selectors.policy_for(booking.component).free_cancellation_days,
        },
    )


def versions(request):
    """Active exam versions with the bookings of their future sessions (agency planners)."""
    require(permissions.may_withdraw_versions(request.user))
    return render(
        request,
        "scheduling/versions.html",
        {
            "versions": ExamVersion.objects.filter(status=ExamVersion.Status.ACTIVE)
            .select_related("component")
            .order_by("component__code", "level", "code")
        },
    )


def version_withdraw(request, version_id: int):
    """Withdraw a version: switch its future sessions to a replacement or cancel them,
    then list every affected booking for the planner to follow up."""
    version = permissions.version_for_withdrawal(request.user, version_id)
    replacements = (
        ExamVersion.objects.filter(
            component_id=version.component_id,
            level=version.level,
            status=ExamVersion.Status.ACTIVE,
        )
        .exclude(pk=version.pk)
        .order_by("code")
    )
    form = WithdrawVersionForm(request.POST or None, replacements=replacements)
    template = "scheduling/version_withdraw.html"

    def withdrawn(outcome):
        version.refresh_from_db()
        context = {"version": version, "form": form, "outcome": outcome, "preview": None}
        return render(request, template, context)

    return submit(
        request,
        form,
        lambda data: services.withdraw_exam_version(
            version, actor=request.user, reason=data["reason"], replacement=data["replacement"]
        ),
        success=None,
        then=withdrawn,
        template=template,
        context={
            "version": version,
            "form": form,
            "outcome": None,
            "preview": selectors.withdrawal_preview(version),
        },
    )


def _feeds_page(request, *, new_feed=None):
    centres = permissions.planner_centres(request.user).order_by("name")
    active = {
        (feed.centre_id, feed.user_id): feed
        for feed in permissions.feeds_for(request.user).filter(revoked_at__isnull=True)
    }
    own = permissions.has_own_feed(request.user)
    new_url = None
    if new_feed is not None:
        new_url = request.build_absolute_uri(
            reverse("scheduling:calendar-feed", args=[new_feed.secret])
        )
    return render(
        request,
        "scheduling/feeds.html",
        {
            "centres": [(centre, active.get((centre.pk, None))) for centre in centres],
            "own": own,
            "own_feed": active.get((None, request.user.pk)) if own else None,
            "new_feed": new_feed,
            "new_url": new_url,
        },
    )


def feeds(request):
    """Secret calendar feeds of the centres the user plans, and the examiner's own."""
    require(
        permissions.planner_centres(request.user).exists() or permissions.has_own_feed(request.user)
    )
    return _feeds_page(request)


@require_POST
def feed_create(request):
    """Make (or replace) a feed; its URL is shown on this response only."""
    form = FeedForm(request.POST)
    require(form.is_valid())
    if form.cleaned_data["mine"]:
        require(permissions.has_own_feed(request.user))
        owner = {"user": request.user}
    else:
        owner = {
            "centre": permissions.centre_for_planner(request.user, form.cleaned_data["centre"])
        }
    feed = services.create_calendar_feed(actor=request.user, **owner)
    messages.success(request, _("The new feed is ready; any earlier URL no longer works."))
    return _feeds_page(request, new_feed=feed)


@require_POST
def feed_revoke(request, feed_id: int):
    feed = permissions.feed_for_owner(request.user, feed_id)
    services.revoke_calendar_feed(feed, actor=request.user)
    messages.success(request, _("The feed URL no longer works."))
    return redirect("scheduling:feeds")


def waiting_list(request):
    centres = permissions.planner_centres(request.user)
    form = WaitingListForm(request.POST or None, centres=centres)
    return submit(
        request,
        form,
        lambda data: services.add_to_waiting_list(
            permissions.candidate_for_booking(request.user, data["candidate"]),
            actor=request.user,
            centre=data["centre"],
            component=data["component"],
        ),
        success=_("The candidate is on the waiting list."),
        then=reverse("scheduling:waiting-list"),
        template="scheduling/waiting_list.html",
        context={"entries": selectors.waiting_list_of(centres), "form": form},
    )


@require_POST
def offer_accept(request, entry_id: int):
    entry = permissions.waiting_entry_for_planner(request.user, entry_id)
    return act(
        request,
        lambda: services.accept_offer(entry, actor=request.user),
        success=lambda booking: _("Booked (reference %(ref)s).") % {"ref": booking.reference},
        then=reverse("scheduling:waiting-list"),
    )


def door(request, session_id: int):
    """Check-in: find by name or scanned reference, confirm identity, admit or refuse."""
    session = permissions.session_for_door(request.user, session_id)
    search = DoorSearchForm(request.GET or None)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    action_form = DoorActionForm(request.POST or None)

    def page(status: int = 200):
        return render(
            request,
            "scheduling/door.html",
            {
                "session": session,
                "search": search,
                "bookings": selectors.find_bookings(session, query=query),
                "query": query,
            },
            status=status,
        )

    def refused(error):
        messages.error(request, str(error.message))
        return page(status=409)

    if request.method == "POST":
        booking = permissions.booking_at_door(request.user, session, request.POST.get("booking"))
        if action_form.is_valid():
            return act(
                request,
                lambda: _door_action(request, booking, action_form.cleaned_data),
                success=lambda message: message,
                then=reverse("scheduling:door", kwargs={"session_id": session.pk}),
                refused=refused,
            )
    return page()


def _door_action(request, booking, data: dict) -> str:
    """Do the chosen door action; return what to tell the person at the door."""
    if data["action"] == "check_in":
        services.check_in_booking(
            booking, actor=request.user, identity_confirmed=data["identity_confirmed"]
        )
        return _("Checked in.")
    if data["action"] == "reject":
        services.reject_at_door(booking, actor=request.user, reason=data["text"])
        return _("Refused; the attempt is not consumed.")
    services.report_irregularity(booking, actor=request.user, description=data["text"])
    return _("The irregularity has been recorded.")


def calendar_feed(request, token: str):
    """The secret iCalendar feed of a centre or an examiner (no login: the URL is the key)."""
    feed = gate(
        CalendarFeed.objects.filter(revoked_at__isnull=True),
        token=services.feed_token_digest(token),
    )
    if feed.centre_id:
        sessions = ExamSession.objects.filter(centre_id=feed.centre_id)
        name = feed.centre.name
    else:
        sessions = ExamSession.objects.filter(assignments__user_id=feed.user_id)
        name = feed.user.get_full_name() or feed.user.get_username()
    since = timezone.now() - datetime.timedelta(days=30)
    sessions = (
        sessions.filter(starts_at__gte=since)
        .select_related("centre", "room", "component")
        .order_by("starts_at")[:2000]
    )
    body = ical.render_calendar(name=name, sessions=sessions)
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")
