"""Planner pages: week view, session, booking with eligibility feedback, waiting list, door."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from examens.exceptions import ExamAdminError
from examens.models import Room
from examens.views.errors import attach_error

from . import eligibility, ical, permissions, selectors, services
from .forms import (
    CancelBookingForm,
    CancelSessionForm,
    CandidateSearchForm,
    DoorActionForm,
    DoorSearchForm,
    SessionForm,
    WaitingListForm,
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
        },
    )


def session_create(request):
    centres = permissions.planner_centres(request.user)
    rooms = Room.objects.filter(centre__in=centres).select_related("centre")
    form = SessionForm(request.POST or None, rooms=rooms)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.create_session(
                actor=request.user,
                centre=data["room"].centre,
                room=data["room"],
                exam_version=data["exam_version"],
                starts_at=data["starts_at"],
                duration_minutes=data["duration_minutes"],
                capacity=data["capacity"],
                accommodations=data["accommodations"],
                max_extra_minutes=data["max_extra_minutes"],
            )
        except ExamAdminError as error:
            attach_error(form, error)
        else:
            messages.success(request, _("The session has been planned as a draft."))
            return redirect("scheduling:session-detail", session_id=session.pk)
    return render(
        request,
        "scheduling/session_form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


def session_detail(request, session_id: int):
    session = permissions.session_for_planner(request.user, session_id)
    return render(
        request,
        "scheduling/session_detail.html",
        {
            "session": session,
            "bookings": selectors.bookings_of(session),
            "staff": session.assignments.select_related("user"),
            "cancel_form": CancelSessionForm(),
            "cancel_booking_form": CancelBookingForm(),
        },
    )


@require_POST
def session_publish(request, session_id: int):
    session = permissions.session_for_planner(request.user, session_id)
    try:
        services.publish_session(session, actor=request.user)
    except ExamAdminError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The session is open for booking."))
    return redirect("scheduling:session-detail", session_id=session.pk)


@require_POST
def session_cancel(request, session_id: int):
    session = permissions.session_for_planner(request.user, session_id)
    form = CancelSessionForm(request.POST)
    if form.is_valid():
        try:
            services.cancel_session(session, actor=request.user, reason=form.cleaned_data["reason"])
        except ExamAdminError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("The session is cancelled; the candidates are notified."))
    else:
        messages.error(request, _("Give the reason for cancelling."))
    return redirect("scheduling:session-detail", session_id=session.pk)


def session_book(request, session_id: int):
    """Find a candidate by name, see whether they may be booked, book them."""
    session = permissions.session_for_planner(request.user, session_id)
    form = CandidateSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    assessment = None
    chosen = None
    status = 200
    if request.method == "POST":
        chosen = permissions.candidate_for_booking(request.user, request.POST.get("candidate"))
        try:
            booking = services.book_candidate(session, actor=request.user, candidate=chosen)
        except ExamAdminError:
            assessment = eligibility.assess(chosen, session)
            status = 409
        else:
            messages.success(
                request,
                _("%(name)s is booked (reference %(ref)s).")
                % {"name": chosen.full_name, "ref": booking.reference},
            )
            if booking.outside_term:
                messages.warning(
                    request, _("Note: the session falls outside the candidate's term.")
                )
            return redirect("scheduling:session-detail", session_id=session.pk)
    elif request.GET.get("candidate"):
        chosen = permissions.candidate_for_booking(request.user, request.GET.get("candidate"))
        assessment = eligibility.assess(chosen, session)
    candidates = permissions.bookable_candidates(request.user).select_related("municipality")
    for word in query.split():
        candidates = candidates.filter(family_name__icontains=word) | candidates.filter(
            given_names__icontains=word
        )
    page = Paginator(candidates.order_by("family_name", "given_names", "pk"), CANDIDATES_PER_PAGE)
    return render(
        request,
        "scheduling/book.html",
        {
            "session": session,
            "form": form,
            "query": query,
            "page": page.get_page(request.GET.get("page")) if query else None,
            "chosen": chosen,
            "assessment": assessment,
        },
        status=status,
    )


@require_POST
def booking_cancel(request, booking_id: int):
    booking = permissions.booking_for_planner(request.user, booking_id)
    form = CancelBookingForm(request.POST)
    form.is_valid()
    try:
        services.cancel_booking(
            booking,
            actor=request.user,
            reason=form.cleaned_data.get("reason", ""),
            reason_accepted=form.cleaned_data.get("reason_accepted", False),
        )
    except ExamAdminError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The booking is cancelled."))
    return redirect("scheduling:session-detail", session_id=booking.session_id)


def waiting_list(request):
    centres = permissions.planner_centres(request.user)
    form = WaitingListForm(request.POST or None, centres=centres)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        candidate = permissions.candidate_for_booking(request.user, data["candidate"])
        try:
            services.add_to_waiting_list(
                candidate, actor=request.user, centre=data["centre"], component=data["component"]
            )
        except ExamAdminError as error:
            attach_error(form, error)
        else:
            messages.success(request, _("The candidate is on the waiting list."))
            return redirect("scheduling:waiting-list")
    return render(
        request,
        "scheduling/waiting_list.html",
        {"entries": selectors.waiting_list_of(centres), "form": form},
        status=400 if form.errors else 200,
    )


@require_POST
def offer_accept(request, entry_id: int):
    entry = permissions.waiting_entry_for_planner(request.user, entry_id)
    try:
        booking = services.accept_offer(entry, actor=request.user)
    except ExamAdminError as error:
        messages.error(request, str(error.message))
        return redirect("scheduling:waiting-list")
    messages.success(request, _("Booked (reference %(ref)s).") % {"ref": booking.reference})
    return redirect("scheduling:waiting-list")


def door(request, session_id: int):
    """Check-in: find by name or scanned reference, confirm identity, admit or refuse."""
    session = permissions.session_for_door(request.user, session_id)
    search = DoorSearchForm(request.GET or None)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    action_form = DoorActionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        booking = permissions.booking_at_door(request.user, session, request.POST.get("booking"))
        if action_form.is_valid():
            data = action_form.cleaned_data
            try:
                if data["action"] == "check_in":
                    services.check_in_booking(
                        booking, actor=request.user, identity_confirmed=data["identity_confirmed"]
                    )
                    messages.success(request, _("Checked in."))
                elif data["action"] == "reject":
                    services.reject_at_door(booking, actor=request.user, reason=data["text"])
                    messages.success(request, _("Refused; the attempt is not consumed."))
                else:
                    services.report_irregularity(
                        booking, actor=request.user, description=data["text"]
                    )
                    messages.success(request, _("The irregularity has been recorded."))
            except ExamAdminError as error:
                messages.error(request, str(error.message))
                status = 409
            else:
                return redirect("scheduling:door", session_id=session.pk)
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


def calendar_feed(request, token: str):
    """The secret iCalendar feed of a centre or an examiner (no login: the URL is the key)."""
    feed = CalendarFeed.objects.filter(token=token, revoked_at__isnull=True).first()
    if feed is None:
        raise Http404
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
