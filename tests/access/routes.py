"""Every URL pattern of the product, with its keyword arguments filled from a world.

`ROUTES` walks `django.urls.get_resolver()` recursively: the pages, the API and
the admin. `fill(route, home)` gives the concrete paths for one route, one per
combination of values, each value one of `home`'s objects chosen by the
parameter's name (and, for a generic name such as `pk` or `object_id`, by the
model the view serves). A parameter nobody knows how to fill raises
`Unfillable`: a new URL pattern fails the access tests until it is taught here.
"""

from __future__ import annotations

import itertools
import re
import re._parser as sre  # the stdlib regex parser, to turn a regex pattern into a template
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern, RoutePattern
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from certificates.models import Certificate, SigningKey
from certificates.views import CODED_ACTIONS
from examens.models import (
    ApiToken,
    Candidate,
    Component,
    ExamVersion,
    Organisation,
    Regime,
)
from examens.models import Route as LearningRoute
from grading.models import ExaminerQualification, Result, Rubric, SignOffRequirement
from monitoring.webhook_models import WebhookEndpoint
from scheduling.models import Booking, CalendarFeed, ComponentPolicy, ExamSession, WaitingListEntry

from .world import Home

# Models that belong to no organisation (the national catalogue and the platform's keys):
# filled with any instance. Every other model must have an object in the world.
NATIONAL_MODELS = {
    Component,
    ComponentPolicy,
    ExamVersion,
    LearningRoute,
    Regime,
    Rubric,
    SignOffRequirement,
    SigningKey,
}
MODEL_BY_PARAM: dict[str, type[Model]] = {
    "candidate_id": Candidate,
    "session_id": ExamSession,
    "booking_id": Booking,
    "device_id": TOTPDevice,
    "version_id": ExamVersion,
    "feed_id": CalendarFeed,
    "entry_id": WaitingListEntry,
    "result_id": Result,
    "organisation_id": Organisation,
    "qualification_id": ExaminerQualification,
    "endpoint_id": WebhookEndpoint,
    "token_id": ApiToken,
    "passkey_id": WebAuthnCredential,
}
# Function views that name their object `pk`.
MODEL_BY_ROUTE: dict[str, type[Model]] = {
    "certificates:detail": Certificate,
    "certificates:download": Certificate,
    "certificates:change-status": Certificate,
    "certificates:revoke": Certificate,
    # The exchange API's progress of one candidate (its serializer is not a model's).
    "api:exchange-progress-detail": Candidate,
}


class Unfillable(Exception):
    pass


@dataclass(frozen=True)
class Route:
    template: str  # "/planning/sessions/{session_id}/"
    params: tuple[str, ...]
    name: str  # "namespace:name"; "" for an unnamed pattern
    namespaces: tuple[str, ...]
    callback: Callable

    @property
    def key(self) -> str:
        """The name, or the template for an unnamed pattern (the admin has a few)."""
        return self.name or self.template

    @property
    def is_api(self) -> bool:
        return "api" in self.namespaces

    @property
    def is_admin(self) -> bool:
        return "admin" in self.namespaces

    @property
    def view_class(self):
        return getattr(self.callback, "cls", None) or getattr(self.callback, "view_class", None)

    def model(self) -> type[Model] | None:
        """The model a generic `pk`/`object_id` names: the admin's, the DRF view's, or
        MODEL_BY_ROUTE's."""
        model_admin = getattr(self.callback, "model_admin", None)
        if model_admin is not None:
            return model_admin.model
        view = self.view_class
        if view is not None:
            queryset = getattr(view, "queryset", None)
            if queryset is not None:
                return queryset.model
            serializer = getattr(view, "serializer_class", None)
            meta = getattr(serializer, "Meta", None)
            if meta is not None:
                return meta.model
        return MODEL_BY_ROUTE.get(self.name)


# --- walking the resolver -----------------------------------------------------------------

_ROUTE_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


def _regex_template(parsed, names: dict[int, str]) -> str:
    out = []
    for op, arg in parsed:
        if op is sre.LITERAL:
            out.append(chr(arg))
        elif op is sre.SUBPATTERN:
            group, _add, _del, sub = arg
            out.append(f"{{{names[group]}}}" if group in names else _regex_template(sub, names))
        elif op is sre.AT:
            continue
        else:
            raise AssertionError(f"cannot make a template of regex op {op}")
    return "".join(out)


def _template(pattern) -> str:
    if isinstance(pattern, RoutePattern):
        return _ROUTE_PARAM.sub(r"{\1}", str(pattern))
    if isinstance(pattern, RegexPattern):
        parsed = sre.parse(pattern._regex)
        names = {number: name for name, number in parsed.state.groupdict.items()}
        return _regex_template(parsed, names)
    raise AssertionError(f"unknown pattern type {type(pattern)}")


def _walk(resolver: URLResolver, prefix: str = "", namespaces: tuple[str, ...] = ()):
    for entry in resolver.url_patterns:
        template = prefix + _template(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = namespaces + ((entry.namespace,) if entry.namespace else ())
            yield from _walk(entry, template, inner)
        elif isinstance(entry, URLPattern):
            name = ":".join((*namespaces, entry.name)) if entry.name else ""
            params = tuple(re.findall(r"\{(\w+)\}", template))
            yield Route("/" + template, params, name, namespaces, entry.callback)


ROUTES: list[Route] = list(_walk(get_resolver()))


# --- filling the parameters ---------------------------------------------------------------

Values = list[tuple[str, str]]  # (label, value in the URL)


def objects_of(home: Home, model: type[Model]) -> list[tuple[str, Model]]:
    found = home.of(model)
    if not found and model in NATIONAL_MODELS:
        instance = model._default_manager.order_by("pk").first()
        found = [(f"national {model._meta.model_name}", instance)] if instance else []
    if not found:
        raise Unfillable(f"the world has no {model.__name__} of the home organisation")
    return found


def _pks(home: Home, model: type[Model] | None) -> Values:
    if model is None:
        raise Unfillable("no model known for this view")
    return [(label, str(obj.pk)) for label, obj in objects_of(home, model)]


def _token(home: Home, route: Route) -> Values:
    if route.name == "scheduling:calendar-feed":
        return list(home.feed_secrets.items())
    if route.name in ("certificates:verify", "certificates:verify-json"):
        assert home.certificate is not None
        return [("certificate payload", home.certificate.payload)]
    raise Unfillable("no token known for this view")


FILLERS: dict[str, Callable[[Home, Route], Values]] = {
    **{
        param: (lambda home, route, model=model: _pks(home, model))
        for param, model in MODEL_BY_PARAM.items()
    },
    "pk": lambda home, route: _pks(home, route.model()),
    "object_id": lambda home, route: _pks(home, route.model()),
    "reference": lambda home, route: [
        (label, obj.reference) for label, obj in objects_of(home, Booking)
    ],
    "code": lambda home, route: [(f"component {code}", code) for code in ("LEZ",)],
    "token": _token,
    "value": lambda home, route: [("holder's download link", home.download_value)],
    "action": lambda home, route: [(action, action) for action in (*CODED_ACTIONS, "reinstate")],
    "app_label": lambda home, route: [
        (label, label) for label in sorted({m._meta.app_label for m in admin.site._registry})
    ],
    "url": lambda home, route: [("admin catch-all", "nothing-here/")],
}


def _view_on_site(home: Home, route: Route) -> list[tuple[str, dict[str, str]]]:
    """The admin's shortcut to an object's page: a content type with one of its objects."""
    pairs = []
    for model, objects in sorted(home.objects.items(), key=lambda item: item[0].__name__):
        content_type = ContentType.objects.get_for_model(model)
        for label, obj in objects[:1]:
            pairs.append(
                (label, {"content_type_id": str(content_type.pk), "object_id": str(obj.pk)})
            )
    return pairs


ROUTE_FILLERS = {"admin:view_on_site": _view_on_site}


def fill(route: Route, home: Home) -> list[tuple[str, str]]:
    """[(label, path)] for `route`: one per combination of its parameters' values."""
    if route.name in ROUTE_FILLERS:
        combos = ROUTE_FILLERS[route.name](home, route)
    else:
        choices = []
        for param in route.params:
            if param not in FILLERS:
                raise Unfillable(f"no filler for parameter {param!r}")
            choices.append(
                [(label, {param: value}) for label, value in FILLERS[param](home, route)]
            )
        combos = [
            (
                ", ".join(label for label, _ in combo),
                {k: v for _, part in combo for k, v in part.items()},
            )
            for combo in itertools.product(*choices)
        ]
    paths = []
    for label, values in combos:
        path = route.template.format(**values)
        match = resolve(path)
        if (
            match.func is not route.callback
            or {k: str(v) for k, v in match.kwargs.items()} != values
        ):
            raise Unfillable(f"{path} resolves to {match.view_name or match.func}, not this route")
        paths.append((label, path))
    return paths


def model_labels() -> set[str]:
    """Every installed model, for the world's completeness check."""
    return {model._meta.label for model in apps.get_models()}
