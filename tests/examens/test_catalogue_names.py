"""Catalogue names follow the page's language; session labels show Amsterdam time."""

import datetime

import pytest
from django.utils import translation

from examens.models import Component, Route
from tests.scheduling.factories import SessionFactory

pytestmark = pytest.mark.django_db


def test_component_and_route_names_follow_the_active_language():
    component = Component.objects.get(code="KNM")
    route = Route.objects.filter(regime__code="WI2021").first()

    with translation.override("en"):
        english = (component.name, route.name, str(component))
    with translation.override("nl"):
        dutch = (component.name, route.name, str(component))

    assert english == (component.name_en, route.name_en, f"KNM {component.name_en}")
    assert dutch == (component.name_nl, route.name_nl, f"KNM {component.name_nl}")
    assert component.name_en != component.name_nl


def test_a_session_label_shows_the_time_in_amsterdam():
    session = SessionFactory(starts_at=datetime.datetime(2026, 12, 1, 17, 0, tzinfo=datetime.UTC))

    assert " 2026-12-01 18:00 @ " in str(session)
