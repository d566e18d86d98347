"""Planning pages: the week, a session (plan, staff, publish, hold, cancel), withdrawing
an exam version. Booking a candidate into a session is in `book.py`."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from examens.gates import require
from examens.models import ExamVersion, Room
from examens.navigation import require_entry
from examens.views.errors import act, submit

from .. import permissions, selectors, services
from ..forms import (
    CancelSessionForm,
    SessionForm,
    StaffForm,
    WithdrawVersionForm,
)
from ..models import ExamSession


def _monday(value: str | None) -> datetime.date:
    """The Monday of the week `value` names: a day (2026-03-18) or an ISO week (2026-W12,
    what a week field sends); anything else, this week."""
    try:
        day = datetime.date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        day = timezone.localdate()
    if not 1 < day.year < 9999:  # its neighbouring weeks must exist too
        day = timezone.localdate()
    return day - datetime.timedelta(days=day.weekday())


def week(request):
    require_entry(request.user, "scheduling:week")
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
            "week_value": "{}-W{:02d}".format(*monday.isocalendar()[:2]),
            "sunday": monday + datetime.timedelta(days=6),
            "previous": monday - datetime.timedelta(days=7),
            "next": monday + datetime.timedelta(days=7),
            "can_plan": centres.exists(),
            "can_withdraw": permissions.may_withdraw_versions(request.user),
        },
    )


def session_create(request):
    centres = permissions.planner_centres(request.user)
    rooms = (
        Room.objects.filter(centre__in=centres)
        .select_related("centre")
        .order_by("centre__name", "name", "pk")
    )
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
    }


def session_url(session_id: int) -> str:
    """Where a planner returns after acting on a session or one of its bookings."""
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
        then=session_url(session.pk),
        template="scheduling/session_detail.html",
        context=lambda: _session_context(session, staff_form=form),
    )


@require_POST
def session_held(request, session_id: int):
    session = permissions.session_for_planner(request.user, session_id)
    return act(
        request,
        lambda: services.mark_session_held(session, actor=request.user),
        success=_("The session is marked as held."),
        then=session_url(session.pk),
    )


@require_POST
def session_publish(request, session_id: int):
    session = permissions.session_for_planner(request.user, session_id)
    return act(
        request,
        lambda: services.publish_session(session, actor=request.user),
        success=_("The session is open for booking."),
        then=session_url(session.pk),
    )


@require_POST
def session_cancel(request, session_id: int):
    session = permissions.session_for_planner(request.user, session_id)
    form = CancelSessionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for cancelling."))
        return redirect(session_url(session.pk))
    return act(
        request,
        lambda: services.cancel_session(
            session, actor=request.user, reason=form.cleaned_data["reason"]
        ),
        success=_("The session is cancelled; the candidates are notified."),
        then=session_url(session.pk),
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
        context=lambda: {
            "version": version,
            "form": form,
            "outcome": None,
            "preview": selectors.withdrawal_preview(version),
        },
    )
