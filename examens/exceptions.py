"""The one base error every domain error derives from."""

from django.utils.translation import gettext_lazy as _


class ExamAdminError(Exception):
    """A domain rule refused an action.

    `code` is machine-readable and stable (API clients match on it); `message`
    is translatable and shown to people; `field` names the input at fault.
    """

    code = "error"
    status = 400
    default_message = _("The action was refused.")

    def __init__(
        self,
        message=None,
        *,
        code: str | None = None,
        field: str | None = None,
        details: dict | None = None,
    ):
        self.message = message if message is not None else self.default_message
        if code:
            self.code = code
        self.field = field
        self.details = details or {}
        super().__init__(str(self.message))

    def as_dict(self) -> dict:
        data: dict = {"code": self.code, "message": str(self.message)}
        if self.field:
            data["field"] = self.field
        if self.details:
            data["details"] = self.details
        return data


class RegistryError(ExamAdminError):
    code = "registry_error"


class InvalidBsn(RegistryError):
    code = "invalid_bsn"
    default_message = _("This is not a valid BSN (it fails the 11-check).")


class DuplicateCandidate(RegistryError):
    code = "duplicate_candidate"
    status = 409
    default_message = _("A candidate with this BSN is already registered.")


class NotPermitted(ExamAdminError):
    """The actor may not do this: the one refusal every service raises.

    Mapped to a response in one place (pages: 403, or 404 where the object's
    existence must not leak; API: 403 with this code).
    """

    code = "not_permitted"
    status = 403
    default_message = _("You are not allowed to do this.")


class FreshFactorRequired(NotPermitted):
    """The service asks for a second factor entered recently (examens.authz)."""

    code = "fresh_factor_required"
    default_message = _("Confirm with a new code from your authenticator app first.")
