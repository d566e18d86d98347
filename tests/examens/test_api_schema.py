"""The API's schema and its documentation page: generated without a warning, every
operation's errors documented, Swagger UI served from our own static files."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db

ASSET = re.compile(r'(?:src|href)="([^"]+)"')


def test_the_schema_generates_and_validates_without_a_warning(tmp_path):
    target = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    assert "/api/v1/bookings/" in target.read_text()


def test_every_operation_documents_authentication_errors_with_the_error_body():
    schema = Client().get("/api/schema/?format=json").json()

    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for code in ("401", "403"):
                content = operation["responses"][code]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/Error"}, (method, path)
            assert "Token scope: `" in operation["description"], (method, path)


def test_swagger_ui_loads_only_our_own_files_and_no_inline_code():
    client = Client()
    page = client.get("/api/docs/")
    html = page.content.decode()
    assets = ASSET.findall(html)

    assert page.status_code == 200
    assert len(assets) >= 4  # stylesheet, favicon, two bundles, the init script
    assert all(url.startswith("/") and not url.startswith("//") for url in assets), assets
    assert "<style" not in html
    assert "<script>" not in html  # every script has a src
    static = [url.removeprefix("/static/") for url in assets if url.startswith("/static/")]
    assert len(static) == len(assets) - 1
    assert all(finders.find(name) for name in static), static

    (script,) = [url for url in assets if not url.startswith("/static/")]
    init = client.get(script.replace("&amp;", "&"))
    assert init.status_code == 200
    assert init["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in init.content.decode()
