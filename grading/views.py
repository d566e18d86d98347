"""Grading pages: worklist, rating form, release per session, corrections, history, progress,
and the organisation admin's examiner qualifications.

Every page is behind the verified second factor (the project's middleware).
Releasing, correcting, signing off and granting or withdrawing a qualification
additionally need a fresh factor: a code entered within
settings.OTP_FRESHNESS_SECONDS (see `fresh_factor_required`). The check runs on
the GET of the form or confirmation page, so the code is asked for before the
person types anything that a redirect would lose.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from examens.navigation import require_entry
from examens.permissions import can_edit_candidate, candidate_for_viewer
from examens.request_user import staff_user
from examens.views.errors import submit
from examens.views.fresh import fresh_factor_required

from . import permissions, review, selectors
from .forms import (
    CorrectionForm,
    QualificationForm,
    RatingForm,
    SignOffForm,
    WithdrawQualificationForm,
)
from .models import ExaminerQualification, Rating, Result, Rubric
from .services import (
    correct_result,
    grant_qualification,
    record_rating,
    release_session_results,
    sign_off_component,
    withdraw_qualification,
)
from .services.ratings import next_rating_kind


def worklist(request: HttpRequest) -> HttpResponse:
    """Attempts waiting for my rating (first, second or adjudication)."""
    user = staff_user(request)
    require_entry(user, "grading:worklist")
    bookings = (
        permissions.rateable_bookings(user)
        .exclude(results__is_current=True)
        .exclude(ratings__rater=user)
        .select_related("component", "session__centre", "candidate")
        .prefetch_related("ratings")
        .order_by("session__starts_at", "pk")[:200]
    )
    rows = []
    for booking in bookings:
        kind = next_rating_kind(booking, list(booking.ratings.all()))
        if kind is not None:
            rows.append({"booking": booking, "kind": Rating.Kind(kind).label})
    sessions = (
        permissions.coordinated_sessions(user)
        .select_related("centre", "component")
        .order_by("-starts_at")[:50]
    )
    return render(
        request,
        "grading/worklist.html",
        {
            "rows": rows,
            "sessions": sessions,
            "administered": permissions.qualification_organisations(user).order_by("name"),
        },
    )


@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, booking_id: int) -> HttpResponse:
    user = staff_user(request)
    booking = permissions.booking_for_rater(user, booking_id)
    rubric = Rubric.objects.filter(exam_version_id=booking.session.exam_version_id).first()
    if rubric is None:
        return render(request, "examens/not_allowed.html", status=404)
    form = RatingForm(request.POST or None, rubric=rubric, language=get_language() or "nl")
    return submit(
        request,
        form,
        lambda data: record_rating(booking, actor=user, scores=form.scores()),
        success=_("Your rating has been recorded."),
        then=reverse("grading:worklist"),
        template="grading/rate.html",
        context=lambda: {
            "booking": booking,
            "form": form,
            "rubric": rubric,
            "visible": selectors.ratings_visible_to(user, booking),
        },
    )


def session_release(request: HttpRequest, session_id: int) -> HttpResponse:
    user = staff_user(request)
    session = permissions.session_for_coordinator(user, session_id)
    rows = selectors.session_results(session)
    return render(
        request,
        "grading/session.html",
        {
            "session": session,
            "rows": rows,
            "progress_ids": review.candidate_ids_visible(
                user, (row["booking"].candidate_id for row in rows)
            ),
        },
    )


@require_http_methods(["GET", "POST"])
@fresh_factor_required
def session_release_all(request: HttpRequest, session_id: int) -> HttpResponse:
    """Confirm (GET), then release (POST): the fresh check comes before the confirmation."""
    user = staff_user(request)
    session = permissions.session_for_coordinator(user, session_id)
    if request.method == "POST":
        released = release_session_results(session, actor=user)
        count = len(released)
        messages.success(
            request,
            ngettext("%(count)d result released.", "%(count)d results released.", count)
            % {"count": count},
        )
        return redirect("grading:session", session_id=session.pk)
    overview = review.release_overview(session)
    return render(
        request,
        "grading/release.html",
        {
            "session": session,
            "overview": overview,
            "draft_count": len(overview.ready),
            "rateable_ids": review.rateable_ids(user, (b for b, _n in overview.unrated)),
        },
    )


def result_history(request: HttpRequest, result_id: int) -> HttpResponse:
    user = staff_user(request)
    result = permissions.result_for_viewer(user, result_id)
    session_id = result.booking.session_id if result.booking is not None else None
    coordinated = review.session_ids_coordinated(user, [session_id] if session_id else [])
    return render(
        request,
        "grading/history.html",
        {
            "result": result,
            "versions": selectors.result_history(result),
            "may_see_progress": bool(review.candidate_ids_visible(user, [result.candidate_id])),
            "session_id": session_id if session_id in coordinated else None,
        },
    )


@require_http_methods(["GET", "POST"])
@fresh_factor_required
def result_correct(request: HttpRequest, result_id: int) -> HttpResponse:
    user = staff_user(request)
    result = permissions.result_for_coordinator(user, result_id)
    form = CorrectionForm(request.POST or None)
    return submit(
        request,
        form,
        lambda data: correct_result(
            result,
            actor=user,
            reason=data["reason"],
            raw_score=data["raw_score"],
            outcome=data["outcome"] or None,
        ),
        success=_("The result has been corrected."),
        then=lambda corrected: redirect("grading:history", result_id=corrected.pk),
        template="grading/correct.html",
        context={"result": result, "form": form},
    )


def progress(request: HttpRequest, candidate_id: int) -> HttpResponse:
    """The municipal officer's view: each requirement of the route and whether it is met."""
    user = staff_user(request)
    candidate = candidate_for_viewer(user, candidate_id)
    results = list(
        Result.objects.filter(candidate=candidate)
        .exclude(status=Result.Status.DRAFT)
        .select_related("component", "booking")
        .order_by("-sat_on", "-version")
    )
    return render(
        request,
        "grading/progress.html",
        {
            "candidate": candidate,
            "progress": selectors.candidate_progress(candidate),
            "results": results,
            "session_ids": review.session_ids_coordinated(
                user, (r.booking.session_id for r in results if r.booking is not None)
            ),
            "can_edit_contact": can_edit_candidate(user, candidate),
        },
    )


@require_http_methods(["GET", "POST"])
@fresh_factor_required
def sign_off(request: HttpRequest, candidate_id: int) -> HttpResponse:
    user = staff_user(request)
    candidate = permissions.candidate_for_sign_off(user, candidate_id)
    form = SignOffForm(request.POST or None)
    return submit(
        request,
        form,
        lambda data: sign_off_component(
            candidate,
            actor=user,
            component=data["component"],
            completed=data["completed"],
            evidence=form.evidence(),
        ),
        success=_("The component has been signed off."),
        then=reverse("grading:progress", kwargs={"candidate_id": candidate.pk}),
        template="grading/sign_off.html",
        context={"candidate": candidate, "form": form},
    )


def qualifications(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """An organisation admin's list of the organisation's examiner qualifications."""
    user = staff_user(request)
    organisation = permissions.organisation_for_qualification_admin(user, organisation_id)
    rows = (
        ExaminerQualification.objects.filter(organisation=organisation)
        .select_related("user", "component")
        .order_by("user__username", "component__code", "level", "-valid_until")
    )
    return render(
        request,
        "grading/qualifications.html",
        {"organisation": organisation, "rows": rows, "today": timezone.localdate()},
    )


@require_http_methods(["GET", "POST"])
@fresh_factor_required
def qualification_grant(request: HttpRequest, organisation_id: int) -> HttpResponse:
    user = staff_user(request)
    organisation = permissions.organisation_for_qualification_admin(user, organisation_id)
    today = timezone.localdate()
    form = QualificationForm(
        request.POST or None,
        examiners=permissions.qualifiable_examiners(organisation),
        initial={"valid_from": today, "valid_until": today + datetime.timedelta(days=3 * 365)},
    )
    return submit(
        request,
        form,
        lambda data: grant_qualification(
            data["user"],
            actor=user,
            component=data["component"],
            organisation=organisation,
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
            level=data["level"],
        ),
        success=_("The qualification has been granted."),
        then=reverse("grading:qualifications", kwargs={"organisation_id": organisation.pk}),
        template="grading/qualification_grant.html",
        context={"organisation": organisation, "form": form},
    )


@require_http_methods(["GET", "POST"])
@fresh_factor_required
def qualification_withdraw(request: HttpRequest, qualification_id: int) -> HttpResponse:
    user = staff_user(request)
    qualification = permissions.qualification_for_admin(user, qualification_id)
    form = WithdrawQualificationForm(request.POST or None)
    return submit(
        request,
        form,
        lambda data: withdraw_qualification(qualification, actor=user, reason=data["reason"]),
        success=_("The qualification has been withdrawn."),
        then=reverse(
            "grading:qualifications", kwargs={"organisation_id": qualification.organisation_id}
        ),
        template="grading/qualification_withdraw.html",
        context={"qualification": qualification, "form": form},
    )
