"""Webhook tests: a clock moved by hand, loopback allowed, a local receiver."""

import pytest

from tests.conftest import Clock

from .factories import Receiver


@pytest.fixture
def clock(settings):
    clock = Clock()
    settings.WEBHOOK_CLOCK = clock
    settings.WEBHOOK_ALLOW_LOOPBACK = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 5
    return clock


@pytest.fixture
def receiver():
    receiver = Receiver().start()
    yield receiver
    receiver.stop()
