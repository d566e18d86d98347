from django.urls import path

from .views import auth, contact, passkeys, staff, tokens

app_name = "examens"

urlpatterns = [
    path("", staff.home, name="home"),
    path("healthz", staff.healthz, name="healthz"),
    path("login/", auth.login_view, name="login"),
    path("logout/", auth.logout_view, name="logout"),
    path("login/verify/", auth.verify_view, name="otp-verify"),
    path("login/enrol/", auth.enrol_view, name="otp-enrol"),
    path("login/backup-codes/", auth.backup_codes_view, name="otp-backup-codes"),
    path("account/confirm/", auth.reverify_view, name="reverify"),
    path("account/security/", auth.security_view, name="security"),
    path(
        "account/security/devices/<int:device_id>/remove/",
        auth.remove_device_view,
        name="device-remove",
    ),
    path("tokens/", tokens.token_list, name="token-list"),
    path("tokens/new/", tokens.token_create, name="token-create"),
    path("tokens/<int:token_id>/revoke/", tokens.token_revoke, name="token-revoke"),
    path("account/security/passkeys/name/", passkeys.passkey_name_view, name="passkey-name"),
    path(
        "account/security/passkeys/<int:passkey_id>/remove/",
        passkeys.remove_passkey_view,
        name="passkey-remove",
    ),
    path("candidates/", staff.candidate_list, name="candidate-list"),
    path("candidates/find/", staff.candidate_find, name="candidate-find"),
    path("candidates/<int:candidate_id>/", staff.candidate_detail, name="candidate-detail"),
    path(
        "candidates/<int:candidate_id>/contact/",
        contact.candidate_contact,
        name="candidate-contact",
    ),
    path(
        "candidates/<int:candidate_id>/decisions/new/",
        staff.decision_create,
        name="decision-create",
    ),
]
