"""An authenticator app for the demo accounts: codes from the demo's TOTP secret.

The secret is the demo's (`demo.credentials.known_totp_key_for`, what `make run`
prints); the server accepts each time step once and follows the drift of the
last code it took (django-otp's TOTPDevice with OTP_TOTP_SYNC). This class keeps
the same account of each device, starting from what `given.prepare` reported, so
every code it gives is one the server still takes, waiting for the next step
when it must.
"""

from __future__ import annotations

import binascii
import time
from dataclasses import dataclass

from django_otp.oath import hotp

from demo.credentials import known_totp_key_for

STEP = 30
DIGITS = 6
# A code is not typed in the last seconds of its step: it could arrive in the next.
MARGIN_SECONDS = 3


@dataclass
class Device:
    last_t: int
    drift: int
    tolerance: int


class Authenticator:
    def __init__(self, devices: dict[str, dict[str, int]], clock=time.time, sleep=time.sleep):
        self.devices = {name: Device(**state) for name, state in devices.items()}
        self.clock = clock
        self.sleep = sleep

    def code(self, username: str) -> str:
        """A code the server accepts now for `username`, recorded as used."""
        device = self.devices[username]
        key = binascii.unhexlify(known_totp_key_for(username))
        while True:
            now = self.clock()
            real = int(now // STEP)
            if now - real * STEP > STEP - MARGIN_SECONDS:
                self.sleep((real + 1) * STEP - now + 0.1)
                continue
            expected = real + device.drift
            window = range(expected - device.tolerance, expected + device.tolerance + 1)
            usable = [s for s in window if s > device.last_t]
            if usable:
                # The step closest to the real clock (drift back towards zero), not earlier.
                step = min(usable, key=lambda s: (s < real, abs(s - real)))
                device.last_t, device.drift = step, step - real
                return f"{hotp(key, step, digits=DIGITS):0{DIGITS}d}"
            self.sleep((real + 1) * STEP - now + 0.1)
