"""Ed25519 signing keys: private halves in files, public halves in the database.

The private key file of the first key is named by the setting
CERTIFICATE_SIGNING_KEY_FILE (services mode: a mounted secret); without it a
key is generated into CERTIFICATE_SIGNING_KEY_DIR (default VAR_DIR/signing_keys)
on first use. `manage.py rotate_signing_key` adds a key and closes the window
of the previous one, which keeps verifying what it signed.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings

from .exceptions import SigningKeyUnavailable
from .payload import key_id_for


def key_dir() -> Path:
    configured = getattr(settings, "CERTIFICATE_SIGNING_KEY_DIR", "")
    return Path(configured) if configured else Path(settings.VAR_DIR) / "signing_keys"


def bootstrap_key_file() -> str:
    """The private key file named in settings for the first key, or "" (generate one)."""
    return getattr(settings, "CERTIFICATE_SIGNING_KEY_FILE", "") or ""


def generate_key_file() -> Path:
    """A fresh private key written (mode 0600) into the key directory, named by its id."""
    private_key = Ed25519PrivateKey.generate()
    directory = key_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{key_id_for(private_key.public_key())}.pem"
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return path


@lru_cache(maxsize=16)
def load_private_key(path: str) -> Ed25519PrivateKey:
    """Read a PEM private key once per process. Raises SigningKeyUnavailable."""
    try:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    except (OSError, ValueError) as error:
        raise SigningKeyUnavailable() from error
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyUnavailable()
    return key
