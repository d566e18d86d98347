"""Fixtures for the generated access tests: keys and files in tmp_path, and the world."""

import pytest

from tests.certificates.conftest import key_and_file_storage  # noqa: F401 - autouse fixture

from .world import build_home


@pytest.fixture
def home(db):
    return build_home()
