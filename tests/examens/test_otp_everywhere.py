"""Every URL pattern refuses a visitor without a verified second factor.

The walk covers config.urls recursively. Nothing is skipped silently: the
only exceptions are settings.PUBLIC_URL_NAMES, settings.PRE_OTP_URL_NAMES and
the `api` namespace, which must answer 401/403 instead of redirecting.
"""

import re
import re._parser as sre  # the stdlib regex parser: turns a pattern into an example path
import uuid
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, UUIDConverter
from django.urls.resolvers import RegexPattern, RoutePattern
from django_otp import DEVICE_ID_SESSION_KEY

from tests.examens.factories import UserFactory, add_totp_device

pytestmark = pytest.mark.django_db

API_NAMESPACE = "api"
MIN_PATTERNS = 15
SAMPLE_BY_GROUP = {"format": "json"}  # DRF suffixes: an unknown one would 404 before auth


@dataclass(frozen=True)
class Route:
    path: str
    name: str  # "namespace:name", or "" for an unnamed pattern (never allow-listed)
    namespaces: tuple[str, ...]

    @property
    def is_api(self) -> bool:
        return API_NAMESPACE in self.namespaces

    def allow_listed(self, *, password_given: bool) -> bool:
        """Public pages for everyone; the second-factor pages once the password is given."""
        allowed = set(settings.PUBLIC_URL_NAMES)
        if password_given:
            allowed |= settings.PRE_OTP_URL_NAMES
        return bool(self.name) and self.name in allowed


# --- building a concrete path for each pattern ------------------------------------


def _route_example(pattern: RoutePattern) -> str:
    route = str(pattern)
    for name, converter in pattern.converters.items():
        if isinstance(converter, IntConverter):
            value = converter.to_url(1)
        elif isinstance(converter, UUIDConverter):
            value = converter.to_url(uuid.UUID(int=1))
        else:
            value = converter.to_url("x")
        route = re.sub(rf"<(?:\w+:)?{name}>", value, route, count=1)
    return route


def _char_in(char: str, items) -> bool:
    negate = False
    found = False
    for op, arg in items:
        if op is sre.NEGATE:
            negate = True
        elif op is sre.LITERAL:
            found |= ord(char) == arg
        elif op is sre.RANGE:
            found |= arg[0] <= ord(char) <= arg[1]
        elif op is sre.CATEGORY:
            found |= {
                sre.CATEGORY_DIGIT: char.isdigit(),
                sre.CATEGORY_WORD: char.isalnum() or char == "_",
            }.get(arg, False)
    return found != negate


def _sample(parsed, group_names: dict[int, str]) -> str:
    out = []
    for op, arg in parsed:
        if op is sre.LITERAL:
            out.append(chr(arg))
        elif op is sre.ANY:
            out.append("x")
        elif op is sre.IN:
            out.append(next(c for c in "1xa-_" if _char_in(c, arg)))
        elif op is sre.BRANCH:
            out.append(_sample(arg[1][0], group_names))
        elif op is sre.SUBPATTERN:
            group, _add, _del, sub = arg
            name = group_names.get(group)
            out.append(SAMPLE_BY_GROUP.get(name) or _sample(sub, group_names))
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            low, _high, sub = arg
            out.append(_sample(sub, group_names) * max(low, 1))
        elif op is sre.AT:
            continue
        else:
            raise AssertionError(f"cannot build an example for regex op {op}")
    return "".join(out)


def _regex_example(pattern: RegexPattern) -> str:
    parsed = sre.parse(pattern._regex)
    names = {number: name for name, number in parsed.state.groupdict.items()}
    example = _sample(parsed, names)
    assert re.match(pattern._regex, example), (pattern._regex, example)
    return example


def _example(pattern) -> str:
    if isinstance(pattern, RoutePattern):
        return _route_example(pattern)
    if isinstance(pattern, RegexPattern):
        return _regex_example(pattern)
    raise AssertionError(f"unknown pattern type {type(pattern)}")


def walk(resolver: URLResolver, prefix: str = "", namespaces: tuple[str, ...] = ()):
    for entry in resolver.url_patterns:
        path = prefix + _example(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = namespaces + ((entry.namespace,) if entry.namespace else ())
            yield from walk(entry, path, inner)
        elif isinstance(entry, URLPattern):
            name = ":".join((*namespaces, entry.name)) if entry.name else ""
            yield Route(path="/" + path, name=name, namespaces=namespaces)


ROUTES = list(walk(get_resolver()))


def test_the_walk_covers_every_app_and_the_admin():
    paths = [r.path for r in ROUTES]

    assert len(ROUTES) > MIN_PATTERNS
    assert any(p.startswith("/admin/") for p in paths)
    assert any(r.is_api for r in ROUTES)
    assert {"examens:home", "examens:security", "examens:device-remove"} <= {r.name for r in ROUTES}


def test_every_allow_listed_name_exists():
    """A typo in the allow-list would silently exempt nothing, or hide a renamed page."""
    names = {r.name for r in ROUTES}

    assert names >= settings.PUBLIC_URL_NAMES
    assert names >= settings.PRE_OTP_URL_NAMES


def _expected_refusal(route: Route, response, target: str) -> str | None:
    """None when `response` refuses properly, else a description of what went wrong."""
    if route.is_api:
        if response.status_code in (401, 403):
            return None
        return f"{route.path} ({route.name}) answered {response.status_code}, not 401/403"
    location = response.headers.get("Location", "")
    if response.status_code == 302 and location.startswith(target):
        return None
    return f"{route.path} ({route.name or 'unnamed'}) answered {response.status_code} {location}"


def _check_all(client, target: str, *, password_given: bool) -> int:
    visited = 0
    failures = []
    for route in ROUTES:
        if route.allow_listed(password_given=password_given):
            continue
        response = client.get(route.path)
        visited += 1
        assert response.status_code != 200, f"{route.path} ({route.name}) answered 200"
        problem = _expected_refusal(route, response, target)
        if problem:
            failures.append(problem)
    assert not failures, "\n".join(failures)
    return visited


def test_every_page_sends_an_anonymous_visitor_to_login(client):
    visited = _check_all(client, reverse(settings.LOGIN_URL), password_given=False)

    assert visited > MIN_PATTERNS


def test_every_page_sends_a_password_only_user_to_the_second_factor(client):
    user = UserFactory()
    add_totp_device(user)
    client.force_login(user)

    visited = _check_all(client, reverse("examens:otp-verify"), password_given=True)

    assert visited > MIN_PATTERNS
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_admin_index_refuses_an_unverified_superuser(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    add_totp_device(admin)
    client.force_login(admin)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("examens:otp-verify"))


def test_admin_index_opens_for_a_verified_superuser(client):
    """The control for the test above: the refusal is about the factor, nothing else."""
    admin = UserFactory(is_staff=True, is_superuser=True)
    device = add_totp_device(admin)
    client.force_login(admin)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()

    assert client.get(reverse("admin:index")).status_code == 200
