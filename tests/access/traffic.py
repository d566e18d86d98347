"""Sending the generated requests: clients for each principal, bodies that name home's
objects, and the verdict on each answer."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode, urlsplit

from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from examens.models import Role
from examens.views.fresh import FRESH_SESSION_KEY
from tests.conftest import login_verified, mark_fresh

from .routes import Route
from .world import Home, Principal

REFUSALS = {401, 403, 404, 405}
REDIRECTS = {301, 302, 303, 307, 308}


def client_for(principal: Principal) -> Client:
    """A person logged in with a verified and fresh second factor (so that a refusal is
    about the organisation, never about the factor), or a client sending the token."""
    client = Client()
    if principal.user is not None:
        login_verified(client, principal.user)
        mark_fresh(client)
    if principal.token:
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {principal.token}"
    return client


def still_logged_in(client: Client, principal: Principal) -> None:
    """`logout` ends the principal's session: log in again (the session only: the fresh
    code's audit event of `client_for` still counts)."""
    if principal.user is not None and SESSION_KEY not in client.session:
        login_verified(client, principal.user)
        session = client.session
        session[FRESH_SESSION_KEY] = time.time()
        session.save()


def query(home: Home) -> dict[str, str]:
    """Query parameters for list pages: a search for home's candidate."""
    return {"q": home.candidate.family_name, "candidate": str(home.candidate.pk)}


def form(home: Home) -> dict[str, str]:
    """A form naming home's objects under every field name the product's forms use."""
    candidate = home.candidate
    booked = home.bookings["booked"]
    return {
        "candidate": str(candidate.pk),
        "bsn": candidate.bsn,
        "q": candidate.family_name,
        "session": str(booked.session_id),
        "centre": str(home.centre.pk),
        "room": str(home.room.pk),
        "booking": str(booked.pk),
        "reference": booked.reference,
        "user": str(home.staff[Role.EXAMINER].pk),
        "organisation": str(home.organisation.pk),
        "reason": "outsider",
        "action": "link",
    }


def csv_scores(home: Home) -> bytes:
    booking = home.bookings["unscored"]
    return f"booking_reference,component,raw_score\n{booking.reference},LEZ,30\n".encode()


def send(client: Client, route: Route, method: str, path: str, home: Home):
    """The request and the texts it sent (an answer may echo those back)."""
    if method == "GET":
        params = query(home) if not route.params else {}
        url = f"{path}?{urlencode(params)}" if params else path
        return client.get(url), set(params.values())
    body = form(home)
    if route.name == "api:results-import":
        return client.post(path, csv_scores(home), content_type="text/csv"), {
            home.bookings["unscored"].reference
        }
    if route.is_api:
        return client.post(path, json.dumps(body), content_type="application/json"), set(
            body.values()
        )
    return client.generic(method, path, urlencode(body), "application/x-www-form-urlencoded"), set(
        body.values()
    )


def login_paths() -> set[str]:
    return {reverse("examens:login"), reverse("admin:login")}


def refused(response) -> bool:
    """404/403 (or 401/405), or a redirect to a login page."""
    if response.status_code in REFUSALS:
        return True
    if response.status_code in REDIRECTS:
        return urlsplit(response["Location"]).path in login_paths()
    return False


def leaked(response, home: Home, sent: set[str]) -> list[str]:
    """Home's markers in the answer, except what the request itself sent."""
    if response.streaming:
        body = b"".join(response.streaming_content).decode(errors="replace")
    else:
        body = response.content.decode(errors="replace")
    return sorted(m for m in home.markers - sent if m in body)
