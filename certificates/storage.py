"""The certificate PDF in Django's storage (local files embedded, S3 in services mode)."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from .models import Certificate
from .pdf import render_certificate_pdf
from .selectors import printed_certificate

# What a retry can cure: the disk or the object store being unwell for a moment.
TRANSIENT_STORAGE_ERRORS = (OSError, BotoCoreError, ClientError)


def certificate_pdf(certificate: Certificate) -> bytes:
    """Render the PDF from the stored payload: the same bytes every time."""
    return render_certificate_pdf(printed_certificate(certificate))


def save_certificate_pdf(certificate: Certificate, pdf: bytes | None = None) -> str:
    """Write the PDF under the certificate's deterministic key, replacing what is there.

    Django's file storage renames on a clash; deleting first keeps the key
    stable (S3 overwrites anyway). Raises the storage's own errors.
    """
    content = pdf if pdf is not None else certificate_pdf(certificate)
    if default_storage.exists(certificate.storage_key):
        default_storage.delete(certificate.storage_key)
    name = default_storage.save(certificate.storage_key, ContentFile(content))
    if name != certificate.storage_key:
        raise OSError(f"storage saved {name!r} instead of {certificate.storage_key!r}")
    return name


def open_certificate_pdf(certificate: Certificate) -> bytes:
    """The stored PDF, or a fresh rendering when it is not (yet) in storage."""
    if certificate.stored_at is not None:
        try:
            with default_storage.open(certificate.storage_key, "rb") as handle:
                return handle.read()
        except (*TRANSIENT_STORAGE_ERRORS, FileNotFoundError):
            pass
    return certificate_pdf(certificate)
