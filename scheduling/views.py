"""Planner pages: week view, session, booking with eligibility feedback, waiting list, door."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from examens.exceptions import ExamAdminError
from examens.models import ExamVersion, Room
from examens.views.errors import attach_error, render_form

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
    return render_form(
        request,
        "scheduling/session_form.html",
        {"form": form},
        form=form,
    )


def _session_page(request, session: ExamSession, *, staff_form=None, status: int = 200):
    return render(
        request,
        "scheduling/session_detail.html",
        {
            "session": session,
            "bookings": selectors.bookings_of(session),
            "staff": session.assignments.select_related("user"),
            "staff_form": staff_form
            or StaffForm(people=selectors.assignable_staff(session), auto_id="staff_%s"),
            "started": timezone.now() >= session.starts_at,
            "cancel_form": CancelSessionForm(),
            "cancel_booking_form": CancelBookingForm(),
        },
        status=status,
    )


def session_detail(request, session_id: int):
    session = permissions.session_for_planner(request.user, session_id)
    return _session_page(request, session)


@require_POST
def session_staff(request, session_id: int):
    """Assign an examiner or invigilator; refusals are shown on the person field."""
    session = permissions.session_for_planner(request.user, session_id)
    form = StaffForm(request.POST, people=selectors.assignable_staff(session), auto_id="staff_%s")
    if form.is_valid():
        try:
            services.assign_staff(
                session,
                actor=request.user,
                user=form.cleaned_data["user"],
                role=form.cleaned_data["role"],
            )
        except ExamAdminError as error:
            attach_error(form, error)
        else:
            messages.success(request, _("The staff member is assigned."))
            return redirect("scheduling:session-detail", session_id=session.pk)
    return _session_page(request, session, staff_form=form, status=400)


@require_POST
def session_held(request, session_id: int):
    session = permissions.session_for_planner(request.user, session_id)
    try:
        services.mark_session_held(session, actor=request.user)
    except ExamAdminError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The session is marked as held."))
    return redirect("scheduling:session-detail", session_id=session.pk)


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


@require_POST
def booking_no_show(request, booking_id: int):
    booking = permissions.booking_for_planner(request.user, booking_id)
    try:
        services.mark_no_show(booking, actor=request.user)
    except ExamAdminError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Marked as a no-show; the attempt counts."))
    return redirect("scheduling:session-detail", session_id=booking.session_id)


def booking_reschedule(request, booking_id: int):
    """Move a booking to another published session of the same component."""
    booking = permissions.booking_for_planner(request.user, booking_id)
    targets = selectors.reschedule_targets(booking, permissions.planner_centres(request.user))
    form = RescheduleForm(request.POST or None, sessions=targets)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            new = services.reschedule_booking(
                booking,
                actor=request.user,
                to_session=data["to_session"],
                reason=data["reason"],
                reason_accepted=data["reason_accepted"],
            )
        except ExamAdminError as error:
            attach_error(form, error)
        else:
            messages.success(
                request,
                _("The booking is moved (new reference %(ref)s).") % {"ref": new.reference},
            )
            return redirect("scheduling:session-detail", session_id=new.session_id)
    return render_form(
        request,
        "scheduling/reschedule.html",
        {
            "booking": booking,
            "form": form,
            "has_targets": targets.exists(),
            "late": selectors.late_move(booking),
            "free_days": selectors.policy_for(booking.component).free_cancellation_days,
        },
        form=form,
    )


def versions(request):
    """Active exam versions with the bookings of their future sessions (agency planners)."""
    if not permissions.may_withdraw_versions(request.user):
        raise Http404
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
    outcome = None
    if request.method == "POST" and form.is_valid():
        try:
            outcome = services.withdraw_exam_version(
                version,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                replacement=form.cleaned_data["replacement"],
            )
        except ExamAdminError as error:
            attach_error(form, error)
        else:
            version.refresh_from_db()
    return render_form(
        request,
        "scheduling/version_withdraw.html",
        {
            "version": version,
            "form": form,
            "outcome": outcome,
            "preview": None if outcome else selectors.withdrawal_preview(version),
        },
        form=form,
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
    if not permissions.planner_centres(request.user).exists() and not permissions.has_own_feed(
        request.user
    ):
        raise Http404
    return _feeds_page(request)


@require_POST
def feed_create(request):
    """Make (or replace) a feed; its URL is shown on this response only."""
    form = FeedForm(request.POST)
    if not form.is_valid():
        raise Http404
    if form.cleaned_data["mine"]:
        if not permissions.has_own_feed(request.user):
            raise Http404
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
    return render_form(
        request,
        "scheduling/waiting_list.html",
        {"entries": selectors.waiting_list_of(centres), "form": form},
        form=form,
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
    feed = CalendarFeed.objects.filter(
        token=services.feed_token_digest(token), revoked_at__isnull=True
    ).first()
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
