"""The demo's tests run as `make run` does (DEBUG on; pytest-django turns it off).

Certificate PDFs and signing keys go to a temporary folder, never under the user's var/.
"""

import pytest


@pytest.fixture(autouse=True)
def demo_settings(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DEBUG = True
    settings.CERTIFICATE_SIGNING_KEY_DIR = str(tmp_path / "keys")
    default = settings.STORAGES["default"]
    if default["BACKEND"] == "django.core.files.storage.FileSystemStorage":
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {**default, "OPTIONS": {"location": tmp_path / "media"}},
        }
