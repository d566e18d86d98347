"""Only services write: no domain model is saved, created, updated or deleted elsewhere.

An AST check over the source tree. A *domain model* is a model of the project's own apps,
plus the second-factor devices the project manages (django-otp's TOTP and static devices).
A *write* is `.save()`, `.delete()`, `.create()`, `.update()`, `.bulk_create()`,
`.bulk_update()`, `.get_or_create()` or `.update_or_create()` called on a receiver that
is, or was derived from, a domain model:

- the class itself or its manager (`Booking.objects.filter(...).update(...)`),
- a name bound from such an expression (`qs = Booking.objects.filter(...)`,
  `booking = Booking.objects.get(...)`, `booking = Booking(...)`,
  `booking = get_object_or_404(Booking, ...)`, `for booking in Booking.objects.all()`),
- a parameter or variable annotated with a domain model (`booking: Booking`),
- and any attribute of those (`booking.candidate.save()`).

Anything else (a PIL image, a reportlab canvas, a storage, the cache, a dict) is not a
receiver the check knows as a model, so it never trips it. Services (`services.py`, a
`services/` package, and the service modules named in SERVICE_MODULES), migrations,
tests and bench may write; everything else must call a service or be in ALLOWED with
its reason.
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PROJECT_APPS = {"examens", "scheduling", "grading", "certificates", "monitoring", "demo"}
MANAGED_THIRD_PARTY = {"otp_totp", "otp_static"}  # second factors: security state
WRITES = {
    "save",
    "delete",
    "create",
    "update",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
}
EXCLUDED_DIRS = {".venv", "tests", "bench", "migrations", "node_modules", "var", ".git"}

# Modules that are services by content though not by name.
SERVICE_MODULES = {
    "examens/twofactor.py": "the two-factor services (enrol, confirm, remove devices, "
    "replace backup codes), named for their subject as twofactor is imported widely",
}

# Writes outside services, each with its reason. Keep it short.
ALLOWED = {
    "demo/history.py": "the demo world's past (sessions already held, results of last "
    "month) is backdated here; no service may write history",
}
# Entries that may name a file not there yet (none now; the demo package has landed).
MAY_BE_ABSENT: set[str] = set()


def domain_model_names() -> set[str]:
    return {
        model.__name__
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS | MANAGED_THIRD_PARTY
        or model.__module__.split(".")[0] in PROJECT_APPS
    }


@dataclasses.dataclass(frozen=True)
class Write:
    path: str
    line: int
    code: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.code}"


def _root_name(node: ast.AST) -> str | None:
    """The name a chain of attributes, calls and subscripts starts from."""
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _annotation_names(annotation: ast.AST | None) -> set[str]:
    if annotation is None:
        return set()
    return {n.id for n in ast.walk(annotation) if isinstance(n, ast.Name)} | {
        n.value.split(".")[-1].split("[")[0].strip()
        for n in ast.walk(annotation)
        if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }


class _Scope(ast.NodeVisitor):
    """Walks one function (or the module body) tracking names bound to domain models."""

    def __init__(self, models: set[str], path: str, source: str, bound: set[str]):
        self.models = models
        self.path = path
        self.source = source
        self.bound = set(bound)
        self.found: list[Write] = []

    def _is_model_derived(self, node: ast.AST) -> bool:
        root = _root_name(node)
        if root is None:
            return False
        if root in self.models or root in self.bound:
            return True
        if root == "get_object_or_404" and isinstance(node, ast.Call) and node.args:
            return _root_name(node.args[0]) in self.models
        return False

    def _bind(self, target: ast.AST, derived: bool) -> None:
        """Bind the names a target assigns (`x`, `x, y`); `x.attr = ...` binds nothing."""
        if isinstance(target, ast.Tuple | ast.List):
            for element in target.elts:
                self._bind(element, derived)
            return
        if isinstance(target, ast.Starred):
            target = target.value
        if not isinstance(target, ast.Name):
            return
        for name in [target.id]:
            if derived:
                self.bound.add(name)
            else:
                self.bound.discard(name)

    def visit_Assign(self, node: ast.Assign) -> None:
        self.generic_visit(node)
        for target in node.targets:
            self._bind(target, self._is_model_derived(node.value))

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.generic_visit(node)
        derived = bool(_annotation_names(node.annotation) & self.models) or (
            node.value is not None and self._is_model_derived(node.value)
        )
        self._bind(node.target, derived)

    def visit_For(self, node: ast.For) -> None:
        self._bind(node.target, self._is_model_derived(node.iter))
        self.generic_visit(node)

    def visit_With(self, node: ast.With) -> None:
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        inner = _Scope(self.models, self.path, self.source, self.bound)
        arguments = node.args
        for arg in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
            inner._bind(ast.Name(arg.arg), bool(_annotation_names(arg.annotation) & self.models))
        for statement in node.body:
            inner.visit(statement)
        self.found.extend(inner.found)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Call(self, node: ast.Call) -> None:
        self.generic_visit(node)
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr in WRITES
            and self._is_model_derived(func.value)
        ):
            code = ast.get_source_segment(self.source, node) or func.attr
            self.found.append(Write(self.path, node.lineno, code.splitlines()[0]))


def writes_in(source: str, path: str, models: set[str]) -> list[Write]:
    scope = _Scope(models, path, source, set())
    scope.visit(ast.parse(source))
    return scope.found


def is_service_module(path: str) -> bool:
    parts = Path(path).parts
    return parts[-1] == "services.py" or "services" in parts[:-1] or path in SERVICE_MODULES


def source_files() -> list[str]:
    files = []
    for file in ROOT.rglob("*.py"):
        relative = file.relative_to(ROOT)
        if EXCLUDED_DIRS & set(relative.parts[:-1]) or relative.parts[0].startswith("."):
            continue
        files.append(relative.as_posix())
    return sorted(files)


def writes_outside_services() -> dict[str, list[Write]]:
    models = domain_model_names()
    found: dict[str, list[Write]] = {}
    for path in source_files():
        if is_service_module(path):
            continue
        writes = writes_in((ROOT / path).read_text(), path, models)
        if writes:
            found[path] = writes
    return found


def test_no_domain_model_is_written_outside_services():
    found = writes_outside_services()
    unexpected = [str(w) for path, writes in found.items() if path not in ALLOWED for w in writes]
    assert unexpected == [], "write through a service instead:\n" + "\n".join(unexpected)


def test_every_allowed_file_still_writes_and_exists():
    """A stale entry is a door left open: it fails once its file exists without writes."""
    found = writes_outside_services()
    stale = [path for path in ALLOWED if (ROOT / path).exists() and path not in found]
    missing = [path for path in ALLOWED if not (ROOT / path).exists() and path not in MAY_BE_ABSENT]
    assert stale == []
    assert missing == []
    assert len(ALLOWED) <= 5  # short, or the rule has lost its meaning


def test_service_modules_named_by_exception_exist():
    assert all((ROOT / path).exists() for path in SERVICE_MODULES)


PLANTED = """
from examens.models import ApiToken, Candidate
from scheduling.models import Booking
from django.shortcuts import get_object_or_404


def touch(token: ApiToken, when):
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=when)


def rename(request, candidate_id):
    candidate = get_object_or_404(Candidate, pk=candidate_id)
    candidate.family_name = "X"
    candidate.save()


def cancel_all(session):
    bookings = Booking.objects.filter(session=session)
    for booking in bookings:
        booking.delete()
    Booking.objects.bulk_create([])
    Candidate.objects.get_or_create(bsn="1")


def annotated(booking: "Booking"):
    booking.candidate.save(update_fields=["email"])
"""

NOT_MODELS = """
import io
from django.core.cache import cache
from django.core.files.storage import default_storage
from reportlab.pdfgen.canvas import Canvas


def render(image, data: dict):
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    canvas = Canvas(buffer)
    canvas.save()
    default_storage.save("a.pdf", buffer)
    default_storage.delete("a.pdf")
    cache.delete("key")
    data.update({"a": 1})
    needs = set()
    needs.update([1])
    return buffer
"""


def test_the_check_catches_planted_writes():
    found = writes_in(PLANTED, "planted.py", domain_model_names())
    assert [w.line for w in found] == [8, 14, 20, 21, 22, 26]


def test_saves_of_images_canvases_storage_and_dicts_do_not_trip_the_check():
    assert writes_in(NOT_MODELS, "not_models.py", domain_model_names()) == []


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("examens/services.py", True),
        ("scheduling/services/bookings.py", True),
        ("examens/twofactor.py", True),
        ("examens/views/staff.py", False),
        ("examens/admin.py", False),
    ],
)
def test_service_modules_are_recognised_by_rule(path, expected):
    assert is_service_module(path) is expected
