"""The admin is a window, not a second door: every registration is read-only or audited.

`test_every_registration_is_read_only_or_has_a_save_recipe` walks the project's admin
site; a model registered writable without a recipe below fails it. Each recipe drives
every save path the admin offers for its model (add, change, inline rows, actions,
delete view, bulk delete) through the admin's own forms and asserts a meaningful audit
event for each: its action code, its object, and the fields it changed.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import models
from django.forms.widgets import MultiWidget
from django.test import RequestFactory
from django.urls import reverse

from examens.models import (
    AuditEvent,
    Component,
    ExamCentre,
    ExamVersion,
    Membership,
    Organisation,
    Regime,
    Role,
    Room,
    Route,
    RouteRequirement,
    User,
)
from grading.models import Rubric, SignOffRequirement
from scheduling.models import ComponentPolicy
from tests.conftest import login_verified
from tests.examens.factories import (
    AgencyFactory,
    CentreFactory,
    MembershipFactory,
    OrganisationFactory,
    ProviderFactory,
    RoomFactory,
    UserFactory,
)

SITE = admin.site


@dataclasses.dataclass
class Recipe:
    """How to drive one writable registration: what to copy, what to change, what to expect.

    `template` returns an existing row whose admin form data seeds the add form;
    `unique(n)` gives the overrides that make the n-th added row unique; `change` the
    fields a change sets (their names are the expected `fields` of the event);
    `inline_row` the data of one new inline row per inline model; `actions` a driver per
    custom action. `created`/`deleted` name the event codes when a service writes them.
    """

    template: Callable[[], models.Model]
    unique: Callable[[int], dict]
    change: dict
    inline_rows: dict[type[models.Model], Callable[[], dict]] = dataclasses.field(
        default_factory=dict
    )
    inline_change: dict[type[models.Model], dict] = dataclasses.field(default_factory=dict)
    actions: dict[str, Callable] = dataclasses.field(default_factory=dict)
    created: str = ""
    deleted: str = ""


def _component(code: str) -> Component:
    return Component.objects.get(code=code)


def _free_component(n: int) -> dict:
    """A fresh component for the one-to-one policy rows (catalogue setup, not under test)."""
    template = _component("LEZ")
    code = f"T{n}{Component.objects.count()}"
    fresh = Component.objects.create(
        code=code,
        name_nl=code,
        name_en=code,
        run_by=template.run_by,
        delivery=template.delivery,
        assessment=template.assessment,
    )
    return {"component": fresh.pk}


def _fresh_version(n: int) -> dict:
    template = ExamVersion.objects.get(code="KNM-2026A")
    version = ExamVersion.objects.create(
        component=template.component, code=f"TEST-R{n}", max_raw_score=10, cutoff_raw=5
    )
    return {"exam_version": version.pk}


def _withdraw(client, version: ExamVersion) -> AuditEvent:
    """The withdraw action: the first post asks for the reason, the second withdraws."""
    url = reverse("admin:examens_examversion_changelist")
    selected = {"action": "withdraw_versions", ACTION_CHECKBOX_NAME: [version.pk]}
    asked = client.post(url, selected)
    assert asked.status_code == 200
    assert "reason" in asked.context["form"].fields
    done = client.post(url, {**selected, "confirmed": "yes", "reason": "Items leaked"})
    assert done.status_code == 302
    version.refresh_from_db()
    assert version.status == ExamVersion.Status.WITHDRAWN
    return AuditEvent.objects.get(
        action="scheduling.exam_version.withdrawn", object_id=str(version.pk)
    )


def _bsn_export(allowed: bool) -> Callable:
    """The BSN-export actions on an officer's membership (only officers can hold it)."""

    def drive(client, _membership: Membership) -> AuditEvent:
        officer = MembershipFactory(organisation=OrganisationFactory(), role=Role.OFFICER)
        if not allowed:
            client.post(
                reverse("admin:examens_membership_changelist"),
                {"action": "allow_bsn_export", ACTION_CHECKBOX_NAME: [officer.pk]},
            )
        response = client.post(
            reverse("admin:examens_membership_changelist"),
            {
                "action": "allow_bsn_export" if allowed else "withdraw_bsn_export",
                ACTION_CHECKBOX_NAME: [officer.pk],
            },
        )
        assert response.status_code == 302
        officer.refresh_from_db()
        assert officer.may_export_bsn is allowed
        code = "allowed" if allowed else "withdrawn"
        return AuditEvent.objects.get(
            action=f"examens.membership.bsn_export_{code}", object_id=str(officer.pk)
        )

    return drive


RECIPES: dict[type[models.Model], Recipe] = {
    Organisation: Recipe(
        template=lambda: ProviderFactory(),
        unique=lambda n: {"name": f"Testorganisatie {n}", "cbs_code": "", "contracted_by": []},
        change={"name": "Hernoemd", "contracted_by": lambda: [OrganisationFactory().pk]},
    ),
    ExamCentre: Recipe(
        template=lambda: CentreFactory(),
        unique=lambda n: {"name": f"Testcentrum {n}"},
        change={"city": "Zwolle"},
    ),
    User: Recipe(
        template=lambda: UserFactory(),
        unique=lambda n: {"username": f"beheer{n}"},
        change={"first_name": "Nieuw", "is_staff": "on"},
    ),
    Regime: Recipe(
        template=lambda: Regime.objects.get(code="WI2021"),
        unique=lambda n: {"code": f"TST{n}"},
        change={"term_years": "5"},
    ),
    Route: Recipe(
        template=lambda: Route.objects.get(code="B1", regime__code="WI2021"),
        unique=lambda n: {"code": f"T{n}"},
        change={"name_en": "Renamed"},
        inline_rows={
            RouteRequirement: lambda: {"component": _component("LEZ").pk, "level": "B1"},
        },
        inline_change={RouteRequirement: {"level": "A2"}},
    ),
    Component: Recipe(
        template=lambda: _component("LEZ"),
        unique=lambda n: {"code": f"TC{n}"},
        change={"fee_cents": "12345"},
    ),
    ExamVersion: Recipe(
        template=lambda: ExamVersion.objects.get(code="KNM-2026A"),
        unique=lambda n: {"code": f"TEST-{n}"},
        change={"code": "TEST-RENAMED"},
        actions={"withdraw_versions": _withdraw},
    ),
    Room: Recipe(
        template=lambda: RoomFactory(),
        unique=lambda n: {"name": f"Testzaal {n}"},
        change={"capacity": "3"},
    ),
    ComponentPolicy: Recipe(
        template=lambda: ComponentPolicy.objects.first(),
        unique=_free_component,
        change={"offer_hours": "12"},
    ),
    SignOffRequirement: Recipe(
        template=lambda: SignOffRequirement.objects.first(),
        unique=_free_component,
        change={"min_hours": "99"},
    ),
    Rubric: Recipe(
        template=lambda: Rubric.objects.first(),
        unique=_fresh_version,
        change={"final_rule": "adjudicator"},
    ),
    Membership: Recipe(
        template=lambda: MembershipFactory(),
        unique=lambda n: {"user": UserFactory().pk, "role": Role.PLANNER},
        change={},  # never edited in place: revoke and grant
        actions={"allow_bsn_export": _bsn_export(True), "withdraw_bsn_export": _bsn_export(False)},
        created="examens.membership.granted",
        deleted="examens.membership.revoked",
    ),
}


def _superuser_request():
    request = RequestFactory().get("/")
    request.user = UserFactory.build(is_staff=True, is_superuser=True, is_active=True)
    return request


def _writable_paths(model_admin, request) -> set[str]:
    """The ways this registration can change data, for a superuser.

    Add and change count only when the form has a field that is not read-only.
    """
    paths = set()
    fields_writable = bool(
        set(model_admin.get_fields(request)) - set(model_admin.get_readonly_fields(request))
    )
    if model_admin.has_add_permission(request) and fields_writable:
        paths.add("add")
    if model_admin.has_change_permission(request) and fields_writable:
        paths.add("change")
    if model_admin.has_delete_permission(request):
        paths.add("delete")
    paths |= {f"action:{name}" for name in model_admin.get_actions(request)}
    return paths


def unaudited_registrations(site) -> list[str]:
    """Registrations that can write but have no recipe proving their audit events."""
    request = _superuser_request()
    return [
        model._meta.label
        for model, model_admin in site._registry.items()
        if _writable_paths(model_admin, request) and model not in RECIPES
    ]


def test_every_registration_is_read_only_or_has_a_save_recipe():
    assert unaudited_registrations(SITE) == []


def test_a_model_registered_writable_without_a_recipe_is_caught():
    site = admin.AdminSite(name="planted")
    site.register(RouteRequirement, admin.ModelAdmin)  # writable, and no recipe
    site.register(AuditEvent, type(SITE._registry[AuditEvent]))  # read-only: fine
    assert unaudited_registrations(site) == [RouteRequirement._meta.label]


@pytest.mark.django_db
def test_read_only_registrations_refuse_adding_for_a_verified_superuser(superuser_client):
    request = _req(superuser_client)
    for model, model_admin in SITE._registry.items():
        if model in RECIPES:
            continue
        assert _writable_paths(model_admin, request) == set(), model
        if not model_admin.has_add_permission(request):
            assert superuser_client.get(_url(model, "add")).status_code == 403, model


# -- driving the recipes through the admin's own views ------------------------------


def _as_post(value):
    if isinstance(value, bool):
        return "on" if value else None
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple):
        return [_as_post(item) for item in value]
    if isinstance(value, dict):
        return json.dumps(value)
    return "" if value is None else value


def _form_data(form) -> dict:
    data = {}
    for bound in form:
        value = bound.value()
        if isinstance(bound.field.widget, MultiWidget):
            for index, part in enumerate(bound.field.widget.decompress(value)):
                data[f"{bound.html_name}_{index}"] = _as_post(part)
            continue
        posted = _as_post(value)
        if posted is not None:
            data[bound.html_name] = posted
    return data


def page_data(response) -> dict:
    """What the admin page would post unchanged: its form, inline management forms, rows."""
    context = response.context
    data = _form_data(context["adminform"].form)
    for inline in context["inline_admin_formsets"]:
        data.update(_form_data(inline.formset.management_form))
        for form in inline.formset.forms:
            data.update(_form_data(form))
    return data


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _event(action: str, obj: models.Model) -> AuditEvent:
    events = AuditEvent.objects.filter(action=action, object_id=str(obj.pk))
    assert events.count() == 1, (action, list(AuditEvent.objects.values_list("action", "data")))
    event = events.get()
    assert event.data, action
    assert event.data.get("fields", True), f"{action} names no changed field"
    assert event.actor_id is not None
    return event


def _label(model, verb: str) -> str:
    return f"{model._meta.label_lower}.{verb}"


def _add(client, model, recipe: Recipe, n: int) -> models.Model:
    """Add a row through the add page, its form filled with the template row's values."""
    data = page_data(client.get(_url(model, "add")))
    form_class = SITE._registry[model].get_form(_req(client))
    data.update(_form_data(form_class(instance=recipe.template())))
    data.update(recipe.unique(n))
    before = set(model.objects.values_list("pk", flat=True))
    response = client.post(_url(model, "add"), data)
    assert response.status_code == 302, _errors(response)
    (pk,) = set(model.objects.values_list("pk", flat=True)) - before
    obj = model.objects.get(pk=pk)
    _event(recipe.created or _label(model, "created"), obj)
    return obj


def _req(client):
    request = RequestFactory().get("/")
    request.user = client.user
    return request


def _errors(response) -> str:
    context = response.context
    if context and "adminform" in context:
        inline_errors = [fs.formset.errors for fs in context["inline_admin_formsets"]]
        return f"{context['adminform'].form.errors} {inline_errors}"
    return str(response.status_code)


@pytest.fixture
def superuser_client(client, db):
    user = UserFactory(is_staff=True, is_superuser=True)
    # An agency planner too: withdrawing a version is the agency's decision.
    MembershipFactory(user=user, organisation=AgencyFactory(), role=Role.PLANNER)
    login_verified(client, user)
    client.user = user
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model", [m for m in SITE._registry if m in RECIPES], ids=lambda m: m._meta.label
)
def test_each_save_path_of_a_writable_registration_leaves_a_meaningful_event(
    superuser_client, model
):
    client = superuser_client
    recipe = RECIPES[model]
    model_admin = SITE._registry[model]
    paths = _writable_paths(model_admin, _req(client))
    driven: set[str] = set()

    obj = _add(client, model, recipe, 1)
    driven.add("add")

    if "change" in paths:
        page = client.get(_url(model, "change", obj.pk))
        change = {k: v() if callable(v) else v for k, v in recipe.change.items()}
        response = client.post(_url(model, "change", obj.pk), {**page_data(page), **change})
        assert response.status_code == 302, _errors(response)
        event = _event(_label(model, "changed"), obj)
        assert event.data["fields"] == sorted(change)
        driven.add("change")

        for inline in model_admin.get_inline_instances(_req(client), obj):
            _drive_inline(client, model, obj, inline, recipe)

    for name, drive in recipe.actions.items():
        event = drive(client, obj)
        assert event.data
        assert event.actor_id == client.user.pk
        driven.add(f"action:{name}")

    if "delete" in paths:
        response = client.post(_url(model, "delete", obj.pk), {"post": "yes"})
        assert response.status_code == 302
        assert not model.objects.filter(pk=obj.pk).exists()
        _event(recipe.deleted or _label(model, "deleted"), obj)
        driven.add("delete")

        second = _add(client, model, recipe, 2)
        response = client.post(
            _url(model, "changelist"),
            {"action": "delete_selected", ACTION_CHECKBOX_NAME: [second.pk], "post": "yes"},
        )
        assert response.status_code == 302
        assert not model.objects.filter(pk=second.pk).exists()
        _event(recipe.deleted or _label(model, "deleted"), second)
        driven.add("action:delete_selected")

    assert driven == paths, f"save paths without a recipe step: {paths - driven}"


def _formset_of(page, inline):
    inlines = page.context["inline_admin_formsets"]
    return next(f.formset for f in inlines if type(f.opts) is type(inline))


def _drive_inline(client, model, obj, inline, recipe: Recipe) -> None:
    """Add, change and delete one inline row through the parent's change page."""
    row_model = inline.model
    assert row_model in recipe.inline_rows, f"inline {row_model._meta.label} has no recipe"

    page = client.get(_url(model, "change", obj.pk))
    data = page_data(page)
    formset = _formset_of(page, inline)
    prefix = formset.prefix
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = index + 1
    for name, value in recipe.inline_rows[row_model]().items():
        data[f"{prefix}-{index}-{name}"] = value
    before = set(row_model.objects.values_list("pk", flat=True))
    response = client.post(_url(model, "change", obj.pk), data)
    assert response.status_code == 302, _errors(response)
    (pk,) = set(row_model.objects.values_list("pk", flat=True)) - before
    row = row_model.objects.get(pk=pk)
    _event(_label(row_model, "created"), row)
    parent = AuditEvent.objects.filter(action=_label(model, "changed"), object_id=str(obj.pk))
    assert parent.last().data["inlines"][0]["id"] == pk

    page = client.get(_url(model, "change", obj.pk))
    data = page_data(page)
    formset = _formset_of(page, inline)
    position = next(i for i, form in enumerate(formset.forms) if form.instance.pk == pk)
    for name, value in recipe.inline_change[row_model].items():
        data[f"{prefix}-{position}-{name}"] = value
    response = client.post(_url(model, "change", obj.pk), data)
    assert response.status_code == 302, _errors(response)
    event = _event(_label(row_model, "changed"), row)
    assert event.data["fields"] == sorted(recipe.inline_change[row_model])

    data[f"{prefix}-{position}-DELETE"] = "on"
    response = client.post(_url(model, "change", obj.pk), data)
    assert response.status_code == 302, _errors(response)
    assert not row_model.objects.filter(pk=pk).exists()
    _event(_label(row_model, "deleted"), row)
