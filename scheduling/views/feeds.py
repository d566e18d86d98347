"""Calendar feeds: the planner's and examiner's secret feeds, and the iCalendar feed itself."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from examens.gates import gate, require

from .. import ical, permissions, services
from ..forms import FeedForm
from ..models import CalendarFeed, ExamSession


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


def calendar_feed(request, token: str):
    """The secret iCalendar feed of a centre or an examiner (no login: the URL is the key)."""
    feed = gate(
        CalendarFeed.objects.filter(revoked_at__isnull=True),
        token=services.feed_token_digest(token),
    )
    if feed.centre is not None:
        sessions = ExamSession.objects.filter(centre=feed.centre)
        name = feed.centre.name
    elif feed.user is not None:
        sessions = ExamSession.objects.filter(assignments__user=feed.user)
        name = feed.user.get_full_name() or feed.user.get_username()
    else:  # the constraint feed_for_centre_or_user rules this out
        raise Http404
    since = timezone.now() - datetime.timedelta(days=30)
    sessions = (
        sessions.filter(starts_at__gte=since)
        .select_related("centre", "room", "component")
        .order_by("starts_at")[:2000]
    )
    body = ical.render_calendar(name=name, sessions=sessions)
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")
