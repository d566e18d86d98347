"""Domain errors of certificates. Each has a stable `code`; views and the API map them."""

from django.utils.translation import gettext_lazy as _

from examens.exceptions import ExamAdminError


class CertificateError(ExamAdminError):
    code = "certificate_error"


class RouteNotComplete(CertificateError):
    code = "route_not_complete"
    status = 409
    default_message = _("The candidate has not yet completed the learning route.")


class CertificateRevoked(CertificateError):
    code = "certificate_revoked"
    status = 409
    default_message = _("This certificate is revoked; a revoked certificate stays revoked.")


class CertificateNotSuspended(CertificateError):
    code = "certificate_not_suspended"
    status = 409
    default_message = _("Only a suspended certificate can be reinstated.")


class ReasonRequired(CertificateError):
    code = "reason_required"
    default_message = _("Give a reason (kept internal: verifiers see only the reason code).")


class ReasonCodeRequired(CertificateError):
    code = "reason_code_required"
    default_message = _("Choose one of the listed reasons: verifiers are shown it.")


class SigningKeyUnavailable(CertificateError):
    code = "signing_key_unavailable"
    status = 503
    default_message = _("The signing key cannot be read.")
