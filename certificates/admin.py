"""Certificates and signing keys in the admin, read-only: they change through services
(issue, suspend, revoke) and `manage.py rotate_signing_key`."""

from django.contrib import admin

from examens.admin import ReadOnlyAdmin

from .models import Certificate, SigningKey


@admin.register(SigningKey)
class SigningKeyAdmin(ReadOnlyAdmin):
    list_display = ["key_id", "valid_from", "valid_until"]


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ["serial", "candidate", "route", "status", "issued_at"]
    list_filter = ["status", "route"]
    search_fields = ["serial"]
