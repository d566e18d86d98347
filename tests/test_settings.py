"""Settings as they resolve: Celery's delivery guarantees, the production profile,
the embedded/services switch, DATABASE_URL parsing and .env.example's coverage."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, storages
from django.db import connection

from config.celery import refuse_to_start_without_a_public_site_url
from config.env import database_from_url
from tests.conftest import require_service

BASE_DIR = Path(__file__).resolve().parent.parent


@pytest.mark.real_worker  # reads the configuration as resolved, without the eager override
def test_celery_resolved_configuration_delivers_at_least_once():
    from config.celery import app

    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    # Redis redelivers an unacknowledged message after the visibility timeout; it must
    # outlast the longest countdown we schedule or a delayed task runs twice.
    assert (
        conf.broker_transport_options["visibility_timeout"]
        > settings.CELERY_TASK_MAX_COUNTDOWN_SECONDS
    )
    assert conf.task_always_eager == (not settings.CELERY_BROKER_URL)
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]


def run_in_production(tmp_path, *args: str, site_url: str | None = "https://examens.example.nl"):
    """Run `python ARGS` in the production profile; SITE_URL left out when None."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_DEBUG", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SITE_URL"}
    }
    env.update(
        DJANGO_PROFILE="production",
        DJANGO_SECRET_KEY=secrets.token_hex(32),  # 64 random characters
        DJANGO_ALLOWED_HOSTS="examens.example.nl",
        DJANGO_SETTINGS_MODULE="config.settings",
        VAR_DIR=str(tmp_path),
    )
    if site_url is not None:
        env["SITE_URL"] = site_url
    result = subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return result.returncode, result.stdout + result.stderr


CHECK_DEPLOY = ("manage.py", "check", "--deploy", "--fail-level", "WARNING")


def test_production_profile_passes_check_deploy_without_warnings(tmp_path):
    code, output = run_in_production(tmp_path, *CHECK_DEPLOY)
    assert code == 0, output
    assert "no issues" in output, output


@pytest.mark.parametrize(
    "site_url",
    [None, "http://127.0.0.1:8000", "http://examens.example.nl", "https://localhost:8443"],
)
def test_production_refuses_a_site_url_that_is_not_public_https(tmp_path, site_url):
    """Certificates' QR codes link to SITE_URL: never to localhost, never over http."""
    code, output = run_in_production(tmp_path, *CHECK_DEPLOY, site_url=site_url)
    assert code != 0
    assert "examens.E001" in output
    assert "SITE_URL" in output

    # gunicorn and uvicorn load these modules; a Celery worker checks on worker_init.
    for module in ("config.wsgi", "config.asgi"):
        code, output = run_in_production(tmp_path, "-c", f"import {module}", site_url=site_url)
        assert code != 0
        assert "ImproperlyConfigured: SITE_URL must" in output


def test_production_servers_start_with_a_public_https_site_url(tmp_path):
    code, output = run_in_production(tmp_path, "-c", "import config.wsgi, config.asgi")
    assert code == 0, output


def test_production_cookies_are_secure_the_language_cookie_too(tmp_path):
    code, output = run_in_production(
        tmp_path,
        "-c",
        "import django; django.setup(); from django.conf import settings as s; "
        "print([s.SESSION_COOKIE_SECURE, s.LANGUAGE_COOKIE_SECURE, s.LANGUAGE_COOKIE_HTTPONLY, "
        "s.LANGUAGE_COOKIE_SAMESITE, s.CSRF_COOKIE_SECURE])",
    )
    assert code == 0, output
    assert "[True, True, True, 'Lax', True]" in output


def test_database_and_storage_follow_the_environment():
    engine = settings.DATABASES["default"]["ENGINE"]
    default_storage = storages.create_storage(settings.STORAGES["default"])
    if os.environ.get("DATABASE_URL"):
        assert engine == "django.db.backends.postgresql"
    else:
        assert engine == "django.db.backends.sqlite3"
    if os.environ.get("AWS_STORAGE_BUCKET_NAME"):
        from storages.backends.s3 import S3Storage

        assert isinstance(default_storage, S3Storage)
    else:
        assert type(default_storage) is FileSystemStorage


def test_database_url_is_parsed_with_encoded_credentials_and_options():
    config = database_from_url(
        "postgres://exam%40user:p%40ss%2Fw%3Ard%25@db.example.nl:6432/examen%20beheer"
        "?sslmode=require&connect_timeout=5"
    )
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["USER"] == "exam@user"
    assert config["PASSWORD"] == "p@ss/w:rd%"
    assert config["HOST"] == "db.example.nl"
    assert config["PORT"] == "6432"
    assert config["NAME"] == "examen beheer"
    assert config["OPTIONS"] == {
        "sslmode": "require",
        "connect_timeout": "5",
        "options": "-c jit=off",
    }


def test_database_url_turns_jit_off_unless_its_options_set_it():
    given = database_from_url("postgres://db/examenbeheer?options=-c%20statement_timeout%3D5000")
    assert given["OPTIONS"]["options"] == "-c statement_timeout=5000 -c jit=off"
    chosen = database_from_url("postgres://db/examenbeheer?options=-c%20jit%3Don")
    assert chosen["OPTIONS"]["options"] == "-c jit=on"
    tuned = database_from_url("postgres://db/examenbeheer?options=-c%20jit_above_cost%3D1")
    assert tuned["OPTIONS"]["options"] == "-c jit_above_cost=1 -c jit=off"


@pytest.mark.django_db
def test_the_connection_runs_without_jit():
    """The at-risk list's query cost 1 s of JIT compiling on ten candidates (decision 0034)."""
    require_service("PostgreSQL", connection.vendor == "postgresql")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)


def test_database_url_without_port_or_password():
    config = database_from_url("postgresql://postgres@127.0.0.1/examenbeheer")
    assert config["USER"] == "postgres"
    assert config["PASSWORD"] == ""
    assert config["PORT"] == ""
    assert config["NAME"] == "examenbeheer"


def test_database_url_rejects_other_engines():
    with pytest.raises(ValueError, match="DATABASE_URL"):
        database_from_url("mysql://user:secret@127.0.0.1:3306/examenbeheer")


ENV_READ = re.compile(r"""\b(?:env_str|env_bool|env_int|env_list)\(\s*["']([A-Z0-9_]+)["']""")
ENV_DOCUMENTED = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)


def test_every_environment_variable_is_documented_in_env_example():
    read = set()
    for source in (BASE_DIR / "config").glob("*.py"):
        read |= set(ENV_READ.findall(source.read_text()))
    documented = set(ENV_DOCUMENTED.findall((BASE_DIR / ".env.example").read_text()))
    assert "DATABASE_URL" in read  # the pattern still finds what settings read
    assert read - documented == set(), "add these to .env.example"


def test_a_celery_worker_refuses_to_start_without_a_public_site_url(settings):
    settings.PRODUCTION = True
    settings.SITE_URL = "http://127.0.0.1:8000"
    with pytest.raises(ImproperlyConfigured, match="SITE_URL must start with https://"):
        refuse_to_start_without_a_public_site_url()  # connected to celery's worker_init
    settings.SITE_URL = "https://examens.example.nl"
    refuse_to_start_without_a_public_site_url()
