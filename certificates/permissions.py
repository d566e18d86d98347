"""Access gates for certificates: one function per use, the same 404 for absent and not yours."""

from __future__ import annotations

from collections.abc import Collection

from django.http import Http404

from examens.gates import gate
from examens.models import Organisation, Role, User
from examens.permissions import memberships

from .models import Certificate

DOWNLOAD_ROLES = {Role.OFFICER, Role.ADMIN}
MANAGE_ROLES = {Role.OFFICER, Role.ADMIN}


def _allowed(
    user: User, certificate: Certificate, roles: Collection[str], *, municipal: bool
) -> bool:
    for membership in memberships(user, roles).select_related("organisation"):
        org = membership.organisation
        if org.kind == Organisation.Kind.AGENCY:
            return True
        if org.kind != Organisation.Kind.MUNICIPALITY:
            continue
        if org.pk != certificate.candidate.municipality_id:
            continue
        if municipal and not certificate.route.issued_by_municipality:
            continue
        return True
    return False


def certificate_for_downloader(user: User, certificate_id: int) -> Certificate:
    """The agency's officers, and the officers of the holder's own municipality."""
    certificate = gate(Certificate.objects.select_related("candidate", "route"), pk=certificate_id)
    if not _allowed(user, certificate, DOWNLOAD_ROLES, municipal=False):
        raise Http404
    return certificate


def certificate_for_manager(user: User, certificate_id: int) -> Certificate:
    """Who may suspend, reinstate or revoke: the issuer (DUO; for the Z-route the municipality)."""
    certificate = certificate_for_downloader(user, certificate_id)
    if not _allowed(user, certificate, MANAGE_ROLES, municipal=True):
        raise Http404
    return certificate


def can_manage(user: User, certificate: Certificate) -> bool:
    return _allowed(user, certificate, MANAGE_ROLES, municipal=True)


def can_download(user: User, certificate: Certificate) -> bool:
    return _allowed(user, certificate, DOWNLOAD_ROLES, municipal=False)
