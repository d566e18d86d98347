"""Settings, driven by environment variables (see .env.example).

With no variable set the product runs embedded: SQLite under var/, local file
storage, Celery tasks executed in process, a secret generated into var/.
Setting DATABASE_URL, CELERY_BROKER_URL and AWS_STORAGE_BUCKET_NAME switches
each part to its service. DJANGO_PROFILE=production hardens everything for
`manage.py check --deploy`.
"""

import time
import warnings
from pathlib import Path
from urllib.parse import urlsplit

from botocore.config import Config
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

from .env import (
    database_from_url,
    env_bool,
    env_int,
    env_list,
    env_str,
    secret_key_from_file,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

PROFILE = env_str("DJANGO_PROFILE", "development")  # development | production
PRODUCTION = PROFILE == "production"

DEBUG = env_bool("DJANGO_DEBUG", default=not PRODUCTION)
DEBUG_PAGES = env_bool("DJANGO_DEBUG_PAGES", default=False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY") or secret_key_from_file(VAR_DIR / "secret_key")
ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our own static files, no CDN
    "examens",
    "scheduling",
    "grading",
    "certificates",
    "monitoring",
    "demo",  # seed_demo: the demo world, above every domain app
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files (the site's CSS, the vendored NL Design System, the favicon) from
    # the application itself under gunicorn too (decision 0020); no CDN.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "examens.middleware.RefuseNulMiddleware",
    "csp.middleware.CSPMiddleware",
    # Under DEBUG (embedded mode) the branded 404/500 pages, not Django's technical ones,
    # unless DJANGO_DEBUG_PAGES=1.
    "examens.error_pages.BrandedErrorPagesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "examens.locale_middleware.DutchFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "examens.middleware.SecondFactorRequiredMiddleware",
    "examens.middleware.NotPermittedMiddleware",
    "examens.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "examens.middleware.StaffPagesNotStoredMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "config" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "examens.context_processors.navigation",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": database_from_url(DATABASE_URL)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (login throttling lives here) ---------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Accounts and second factor ------------------------------------------------
AUTH_USER_MODEL = "examens.User"
LOGIN_URL = "examens:login"
LOGIN_REDIRECT_URL = "examens:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Examenbeheer inburgering")
# django-otp's per-device back-off is off: it grows without bound whoever types the
# codes, so anyone holding the password could lock the owner out for days. Codes are
# throttled with passwords instead (examens.throttle, decision 0012).
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# Login throttling (decision 0012), per step: failures free of any wait for one account
# from one address ("pair_free"), for one account from all addresses ("account_free"),
# from one address for all accounts ("address_free"); beyond them the next attempt waits
# 2, 4, 8, ... seconds after the last failure, at most "max_wait"; one failure is
# forgotten for every "forget_every" seconds without a new one.
_PASSWORD_MAX_WAIT = env_int("LOGIN_THROTTLE_MAX_WAIT_SECONDS", 900)
_CODE_MAX_WAIT = env_int("CODE_THROTTLE_MAX_WAIT_SECONDS", 3600)
LOGIN_THROTTLE = {
    "password": {
        "pair_free": 5,
        "account_free": 20,
        "address_free": 50,
        "max_wait": _PASSWORD_MAX_WAIT,
        "forget_every": _PASSWORD_MAX_WAIT,
    },
    "code": {
        "pair_free": 3,
        "account_free": 10,
        "address_free": 20,
        "max_wait": _CODE_MAX_WAIT,
        "forget_every": _CODE_MAX_WAIT,
    },
}
THROTTLE_CLOCK = time.time  # the throttle's and the verification limit's clock
# Reverse proxies whose X-Forwarded-For is believed (addresses or networks, e.g.
# 10.0.0.0/8); without them the header is ignored and REMOTE_ADDR is the client.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
# A fresh factor check is needed for sensitive actions after this many seconds.
OTP_FRESHNESS_SECONDS = env_int("OTP_FRESHNESS_SECONDS", 300)
# URL names reachable without a verified second factor. Everything else is staff-only.
PUBLIC_URL_NAMES = {
    "examens:login",
    "examens:logout",
    "examens:healthz",
    "set_language",
    "api-schema",
    "api-docs",
    "scheduling:calendar-feed",
    "certificates:verify",
    "certificates:verify-json",
    "certificates:public-keys",
    "certificates:status-list",
    "certificates:candidate-download",
}
# Reachable with a password but before the second factor is verified.
PRE_OTP_URL_NAMES = {
    "examens:otp-verify",
    "examens:otp-enrol",
    "examens:otp-backup-codes",
    # A passkey as the second step of the login (examens.views.passkeys).
    "otp_webauthn:credential-authentication-begin",
    "otp_webauthn:credential-authentication-complete",
    "otp_webauthn:js-i18n-catalog",
}

# --- Passkeys (django-otp-webauthn, decision 0023) -----------------------------------
# A passkey is a second factor beside the authenticator app, never passwordless.
# The relying party ID is the host the product is served on (SITE_URL's), and the
# origins the browser may sign for are SITE_URL's; a browser refuses an IP address as
# RP ID, so where SITE_URL names one (the embedded default, 127.0.0.1) passkeys work
# on http://localhost:<the same port>. Changing the RP ID later orphans every passkey.
_SITE = urlsplit(SITE_URL)
_SITE_HOST = _SITE.hostname or "localhost"
_SITE_IS_IP = _SITE_HOST.replace(".", "").isdigit() or ":" in _SITE_HOST
_PASSKEY_HOST = "localhost" if _SITE_IS_IP else _SITE_HOST
_PASSKEY_ORIGIN = f"{_SITE.scheme}://{_PASSKEY_HOST}" + (f":{_SITE.port}" if _SITE.port else "")
OTP_WEBAUTHN_RP_ID = env_str("OTP_WEBAUTHN_RP_ID", _PASSKEY_HOST)
OTP_WEBAUTHN_RP_NAME = env_str("OTP_WEBAUTHN_RP_NAME", "Examenbeheer inburgering")
OTP_WEBAUTHN_ALLOWED_ORIGINS = env_list("OTP_WEBAUTHN_ALLOWED_ORIGINS", [_PASSKEY_ORIGIN])
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_EXCEPTION_LOGGER_NAME = "examens.auth"

# --- Audit -----------------------------------------------------------------------
# On PostgreSQL each database connection claims a hash chain of its own (decision
# 0006); this caps the chain numbers and must exceed the number of connections.
AUDIT_MAX_CHAINS = env_int("AUDIT_MAX_CHAINS", 1024)

# --- Internationalisation -----------------------------------------------------
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Nederlands")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Amsterdam"
USE_TZ = True

# --- Files ----------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("AWS_S3_REGION_NAME", "eu-west-1"),
            "access_key": env_str("AWS_ACCESS_KEY_ID") or None,
            "secret_key": env_str("AWS_SECRET_ACCESS_KEY") or None,
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": env_int("AWS_QUERYSTRING_EXPIRE", 600),
            "file_overwrite": True,
            # An endpoint that is down or hangs answers within seconds, not minutes:
            # the issuing task owns the retries, with its own backoff.
            "client_config": Config(
                connect_timeout=env_int("AWS_S3_CONNECT_TIMEOUT", 5),
                read_timeout=env_int("AWS_S3_READ_TIMEOUT", 30),
                retries={"mode": "standard", "max_attempts": 3},
            ),
        },
    }
else:
    DEFAULT_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT},
    }
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# WhiteNoise serves what `collectstatic` put in STATIC_ROOT; with the finders as well,
# a server started without collectstatic still serves the apps' static files.
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", default=True)
# Before the first collectstatic STATIC_ROOT does not exist; the finders serve meanwhile.
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)

# --- Mail -----------------------------------------------------------------------
# Under DEBUG (the embedded `make run`) mail is written to files under var/mail/, one file
# per run of a process, instead of flooding the console; otherwise the console by default.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))  # the file backend's folder
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@examenbeheer.example")

# --- Celery ---------------------------------------------------------------------
# Tasks are idempotent, so a task is acknowledged only after it ran (acks_late)
# and re-queued when its worker process dies mid-task (reject_on_worker_lost: the
# parent re-queues at once). One message at a time per worker process keeps long
# tasks from starving short ones. The Redis visibility timeout must exceed the
# longest countdown/ETA we use, or Redis redelivers; it is also how long the message
# of a whole worker lost (machine gone) waits before another worker gets it, so the
# work that must not wait that long has a sweep (docs/decisions/0013-task-delivery.md).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_MAX_COUNTDOWN_SECONDS = 3600  # the longest retry backoff any task uses
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 4 * CELERY_TASK_MAX_COUNTDOWN_SECONDS}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# The one place for periodic jobs (run `celery -A config beat` in services mode).
# Each job selects cheaply, then locks and re-checks each row: safe to run twice.
CELERY_BEAT_SCHEDULE: dict = {
    "send-pending-invitations": {
        "task": "scheduling.tasks.send_pending_invitations_task",
        "schedule": 10.0,
    },
    "close-booking-windows": {
        "task": "scheduling.tasks.close_booking_windows_task",
        "schedule": 300.0,
    },
    "expire-waiting-list-offers": {
        "task": "scheduling.tasks.expire_offers_task",
        "schedule": 900.0,
    },
    "send-session-reminders": {
        "task": "scheduling.tasks.send_reminders_task",
        "schedule": 3600.0,
    },
    "flag-overdue-results": {
        "task": "grading.tasks.flag_overdue_results_task",
        "schedule": 86400.0,
    },
    "flush-verification-counts": {
        "task": "certificates.tasks.flush_verification_counts_task",
        "schedule": 60.0,
    },
    "complete-pending-certificates": {
        "task": "certificates.tasks.complete_pending_certificates_task",
        "schedule": 300.0,
    },
    "refresh-monitoring-figures": {
        "task": "monitoring.tasks.refresh_figures_task",
        "schedule": 900.0,
    },
    "send-due-webhooks": {
        "task": "monitoring.tasks.send_due_webhooks_task",
        "schedule": 10.0,
    },
}
# The certificate sweep steps in for an issuing task only after this long: longer than
# the task's own retries (about 510 s of backoff in all) and than any transaction that
# releases results. On its very first run it checks the releases of this many days back.
CERTIFICATE_SWEEP_GRACE_SECONDS = env_int("CERTIFICATE_SWEEP_GRACE_SECONDS", 600)
CERTIFICATE_SWEEP_FIRST_LOOKBACK_DAYS = env_int("CERTIFICATE_SWEEP_FIRST_LOOKBACK_DAYS", 7)

# --- Webhooks (monitoring; docs/decisions/0017-webhooks.md) ---------------------------
# Each endpoint's signing secret is derived from this key and the endpoint's salt, never
# stored. Set it apart from DJANGO_SECRET_KEY so that rotating that one leaves every
# receiver's secret as it was; changing this one changes every endpoint's secret.
WEBHOOK_SECRET_KEY = env_str("WEBHOOK_SECRET_KEY") or SECRET_KEY
# Only for tests and the demo: also allow http:// and https:// to 127.0.0.1, ::1 and
# localhost. Otherwise an endpoint is https:// and never a private, loopback, link-local
# or reserved address (checked when registering and again, resolved, on every send).
WEBHOOK_ALLOW_LOOPBACK = env_bool("WEBHOOK_ALLOW_LOOPBACK", False) and not PRODUCTION
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)
WEBHOOK_CLOCK = time.time  # the outbox's clock (tests move it by hand)

# --- API ------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Documents every error each operation can answer (examens/api_schema.py).
    "DEFAULT_SCHEMA_CLASS": "examens.api_schema.ApiAutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "examens.api_auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["examens.api_auth.VerifiedStaffOrToken"],
    "EXCEPTION_HANDLER": "examens.api_errors.exception_handler",
    # JSON that nests too deep, or holds a NUL or a lone surrogate, is a 400 (api_parsers).
    "DEFAULT_PARSER_CLASSES": [
        "examens.api_parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # limit 1..500 (default 100), offset 0..2^31-1; anything else is a 400 naming it.
    "DEFAULT_PAGINATION_CLASS": "examens.api_input.BoundedLimitOffsetPagination",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Examenbeheer inburgering API",
    "DESCRIPTION": "Registry, scheduling, results and certificates for civic-integration exams.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "ENUM_NAME_OVERRIDES": {"LevelEnum": "examens.models.Level"},
    # The `api_id` path converter (examens/api_input.py): ids 1..MAX_ID, PostgreSQL's bigint.
    "PATH_CONVERTER_OVERRIDES": {
        "api_id": {"type": "integer", "format": "int64", "minimum": 1, "maximum": 2**63 - 1}
    },
    # Swagger UI and ReDoc from drf-spectacular-sidecar's static files, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Logging: never a BSN --------------------------------------------------------
# Every handler masks BSNs (examens.privacy.MaskBsnLogFilter), Django's own included:
# the access log (`django.server`, which would print a GET's query string in full) and
# the error mail to ADMINS (masked whole: its report carries the request's data).
# Django configures its defaults first and a second configuration does not detach
# handlers from loggers it does not name, so `django` and `django.server` are named here.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "mask_bsn": {"()": "examens.privacy.MaskBsnLogFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask_bsn"]},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["mask_bsn"],
        },
        "mail_admins": {
            "level": "ERROR",
            "class": "examens.privacy.MaskingAdminEmailHandler",
            "filters": ["require_debug_false", "mask_bsn"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        # Tasks run in process (embedded): one "Task ... succeeded" line each is noise.
        # A real worker keeps them (INFO): its log is how an operator follows retries.
        "celery.app.trace": {
            "level": env_str(
                "CELERY_TRACE_LOG_LEVEL", "WARNING" if CELERY_TASK_ALWAYS_EAGER else "INFO"
            )
        },
        # Eager tasks still take a producer: kombu warns of the broker host it never uses.
        "kombu.connection": {"level": "ERROR" if CELERY_TASK_ALWAYS_EAGER else "WARNING"},
    },
}

# --- Content-Security-Policy (django-csp) ---------------------------------------------
# Every response: our own origin only, nothing inline. Scripts and styles are static
# files; a page that must run an inline script gives it `nonce="{{ request.csp_nonce }}"`
# (the nonce is added to the header only on pages that use it). One view widens the
# policy, with a decorator: /api/docs/ allows `data:` images (Swagger UI's icons).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Production hardening -------------------------------------------------------
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"
else:
    SESSION_COOKIE_SECURE = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
# The language cookie (set by the switch in the header) with the session cookie's flags.
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = SESSION_COOKIE_HTTPONLY
LANGUAGE_COOKIE_SAMESITE = SESSION_COOKIE_SAMESITE

# --- Hostile input: limits named in the errors they cause ------------------------
# One result import (API body or file): bytes and data rows (bench/import_results.py
# imports 100,000 rows of about 25 bytes).
RESULT_IMPORT_MAX_BYTES = env_int("RESULT_IMPORT_MAX_BYTES", 8 * 1024 * 1024)
RESULT_IMPORT_MAX_ROWS = env_int("RESULT_IMPORT_MAX_ROWS", 100_000)
# Name searches: one condition per word, at most this many words (the rest is ignored,
# and the page says so).
SEARCH_MAX_WORDS = env_int("SEARCH_MAX_WORDS", 5)

# --- Capacity (monitoring/capacity.py, decision 0015) ------------------------------
# The norm for the wait to the first free seat (the national norm: four weeks), the
# weeks the capacity view looks ahead by default and at most, and how far back the
# median real wait (booking to sitting) per centre reads sittings.
CAPACITY_WAIT_NORM_DAYS = env_int("CAPACITY_WAIT_NORM_DAYS", 28)
CAPACITY_DEFAULT_WEEKS = env_int("CAPACITY_DEFAULT_WEEKS", 12)
CAPACITY_MAX_WEEKS = env_int("CAPACITY_MAX_WEEKS", 52)
# The overview's and national view's figures are counted ahead (decision 0033): a
# snapshot older than this many seconds is counted again (the beat does it as often).
MONITORING_FIGURES_MAX_AGE = env_int("MONITORING_FIGURES_MAX_AGE", 900)
CAPACITY_WAIT_LOOKBACK_DAYS = env_int("CAPACITY_WAIT_LOOKBACK_DAYS", 182)
