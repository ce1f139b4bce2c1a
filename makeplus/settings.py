"""MakePlus settings, read from the environment (see README "Configuration").

Defaults are for the quick start: SQLite file, local-memory cache, DEBUG off
unless asked for. Production sets DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS.
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env (never committed) is convenient in development; real deployments
# pass the environment directly.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # Development only: never used once DEBUG is off (see above).
    SECRET_KEY = "dev-only-makeplus-key-not-for-production-0123456789abcdefghij"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "makeplus.admin_apps.MakePlusAdminConfig",  # django.contrib.admin with the back office site (organisateurs log in)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # Third party
    "corsheaders",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    # MakePlus
    "makeplus",
    "accounts",
    "events",
    "annonces",
    "exposants",
    "mobile",  # the Flutter app's routes: a translation layer over the apps above
    "seeds",  # demo and load-test data, on top of the domain apps
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "makeplus.headers.ApiSecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # The site_middleware classes are Django's own, skipped under /api/: a JWT call needs no session,
    # session user, flash messages or account language (makeplus/site_middleware.py).
    "makeplus.site_middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "makeplus.site_middleware.AuthenticationMiddleware",
    # A method an API route never allows: 405 for everyone, before any role check (makeplus/error_handling.py).
    "makeplus.error_handling.MethodNotAllowedMiddleware",
    "makeplus.site_middleware.UserLanguageMiddleware",  # the back office opens in the account's language
    "makeplus.site_middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "makeplus.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Before the apps' templates: the back office's admin/base_site.html (branding, language switch) must win
        # over django.contrib.admin's, which comes first in INSTALLED_APPS.
        "DIRS": [BASE_DIR / "makeplus" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "makeplus.wsgi.application"

# --- Database -----------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# Persistent connections: a worker keeps its connection between requests, so a moment when the database
# refuses new connections (restart, max_connections, a network blip) does not fail every request that
# would have opened one (issue 23). 0 opens one per request.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
# No SELECT 1 before every request: a connection the server closed is found from its socket, without a
# round trip (makeplus/db_health.py).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Bounded waits: a request waiting for a locked row, or a runaway statement, gives up with a retryable
    # 503 (code "busy", makeplus/error_handling.py) instead of holding a worker while other requests queue.
    # Long maintenance (a migration on a big table) can run with DB_STATEMENT_TIMEOUT_MS=0.
    _waits = (
        f"-c lock_timeout={env.int('DB_LOCK_TIMEOUT_MS', default=1500)}"
        f" -c statement_timeout={env.int('DB_STATEMENT_TIMEOUT_MS', default=20000)}"
    )
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} {_waits}".strip()
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers wait for the lock instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (throttling, shared between app processes when Redis is set) -------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # Redis while it answers, local memory while it does not (makeplus/cache.py).
    CACHES = {"default": {"BACKEND": "makeplus.cache.ResilientRedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Cached API reads (makeplus/read_cache.py) in their own space, so that they never evict throttle counters.
CACHES["reads"] = {
    **CACHES["default"],
    "LOCATION": REDIS_URL or "reads",
    "KEY_PREFIX": "reads",
    "OPTIONS": {} if REDIS_URL else {"MAX_ENTRIES": 5000},
}
if not REDIS_URL:
    # Without Redis the bodies stay in each process's memory, but their versions must be seen by every process
    # serving this database (gunicorn's workers, a job runner): files in one directory per database.
    import hashlib
    import tempfile

    _database = "|".join(str(DATABASES["default"].get(key) or "") for key in ("HOST", "PORT", "NAME"))
    _versions_dir = f"makeplus-reads-{hashlib.sha256(_database.encode()).hexdigest()[:12]}"
    CACHES["read_versions"] = {
        "BACKEND": "makeplus.cache.VersionFiles",
        "LOCATION": env.str("READ_CACHE_DIR", default=str(Path(tempfile.gettempdir()) / _versions_dir)),
    }
# The lifetime of a cached body: only bounds what a Redis outage could leave behind (writes invalidate at once).
READ_CACHE_SECONDS = env.int("READ_CACHE_SECONDS", default=600)
READ_CACHE_ENABLED = env.bool("READ_CACHE_ENABLED", default=True)  # False: every read from the database

# --- job queue (helper "jobs": makeplus/jobs.py, makeplus/celery.py) -----------------------
# Celery on Redis when a broker is configured (`celery -A makeplus worker`); without one, jobs run
# in-process right after the request's transaction commits (the quick start needs nothing else).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or REDIS_URL
CELERY_TASK_IGNORE_RESULT = True  # progress and results live in the Job row
CELERY_TASK_ACKS_LATE = True  # a task lost with its worker is delivered again (the Job row makes it idempotent)
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
CELERY_TIMEZONE = "UTC"
# A failed attempt is retried with exponential backoff, at most JOB_MAX_RETRIES times.
JOB_MAX_RETRIES = env.int("JOB_MAX_RETRIES", default=5)
# A "running" job without a heartbeat for this long belongs to a dead worker and may be taken over.
JOB_LEASE_SECONDS = env.int("JOB_LEASE_SECONDS", default=300)
# Modules whose @job functions the worker must know (imported before the first job runs).
JOB_MODULES = [
    "events.services.badge_delivery",
    "events.services.imports",  # participant import (part "import")
]
# --- end job queue ---

# --- Auth ---------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Sign-ins checking a password at once on this machine, and how long one waits for a turn before a retryable
# 503 "busy" (accounts/login_gate.py): the other workers stay free for the doors during the 9:00 rush.
LOGIN_CONCURRENCY = env.int("LOGIN_CONCURRENCY", default=os.cpu_count() or 1)
LOGIN_SLOT_WAIT_MS = env.int("LOGIN_SLOT_WAIT_MS", default=0)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- I18n: French by default, English and Arabic on Accept-Language ---------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English")), ("ar", _("Arabic"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The back office's language switch (makeplus/views_i18n.py) sets this cookie; kept a year, not only for the
# browser session.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SECURE = not DEBUG
USE_I18N = True
USE_TZ = True
# Stored in UTC; "today" and event days are counted in Algiers time.
TIME_ZONE = env.str("TIME_ZONE", default="Africa/Algiers")

# --- Static and media ---------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Signed file links (makeplus/signed_files.py) for clients without our JWT (the mobile app opens the
# programme, guide and e-posters in the phone's browser). The app fetches the links at start and opens
# the files later that day, so the default covers an event day.
SIGNED_FILE_MINUTES = env.int("SIGNED_FILE_MINUTES", default=720)
# Upper bound for any uploaded document (PDF programme, guide, plan) and photo.
MAX_UPLOAD_SIZE = env.int("MAX_UPLOAD_SIZE_MB", default=10) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# A larger multipart body is refused (413) before any of it is stored.
FILE_UPLOAD_HANDLERS = [
    "makeplus.uploads.RequestSizeLimit",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- CORS -----------------------------------------------------------------------------
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"

# --- Security (production values unless DEBUG) --------------------------------------
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Container health probes talk plain HTTP from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^api/health/$"]
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
# Headers on every response (SecurityMiddleware, XFrameOptionsMiddleware; makeplus.headers adds a CSP to API data).
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# same-origin, not no-referrer: the admin's HTTPS CSRF check needs the Origin/Referer of its own pages.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# --- REST framework -------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["events.authentication.EventJWTAuthentication"],
    # Every view declares who may run what (``event_roles``, events/permissions.py); views outside an
    # event (auth, health) name their own classes.
    "DEFAULT_PERMISSION_CLASSES": ["events.permissions.EventRolePermission"],
    # DRF's parsers, with JSON depth and NUL checks (makeplus/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "makeplus.parsers.JSONParser",
        "makeplus.parsers.FormParser",
        "makeplus.parsers.MultiPartParser",
    ],
    # DRF's, with one date-time format in dict-built answers too (makeplus/renderers.py).
    "DEFAULT_RENDERER_CLASSES": ["makeplus.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_PAGINATION_CLASS": "makeplus.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "makeplus.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        # Per client address: sized for a venue, where hundreds of attendees share one Wi-Fi address at
        # opening time. The per-account limit (login_email) is what stops guessing one account's password.
        "login": env.str("LOGIN_THROTTLE_RATE", default="300/min"),
        "login_email": env.str("LOGIN_EMAIL_THROTTLE_RATE", default="10/min"),
        "register": env.str("REGISTER_THROTTLE_RATE", default="20/hour"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Trusted reverse proxies in front of the app: the client address is taken from X-Forwarded-For only
    # that many hops back. 0 (the default) ignores the header, which any client can forge.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}

# Live Q&A: questions a user may ask per period (shared cache when Redis is configured).
QUESTION_RATE = env.str("QUESTION_RATE", default="5/min")

DRF_STANDARDIZED_ERRORS = {
    "EXCEPTION_HANDLER_CLASS": "makeplus.error_handling.ExceptionHandler",
    "EXCEPTION_FORMATTER_CLASS": "makeplus.error_handling.ErrorFormatter",
    # One format also for crashes in DEBUG (tests assert on it).
    "ENABLE_IN_DEBUG_FOR_UNHANDLED_EXCEPTIONS": True,
    # The schema documents our own codes and statuses too (makeplus/openapi.py).
    "ALLOWED_ERROR_STATUS_CODES": ["400", "401", "403", "404", "405", "406", "409", "413", "415", "429", "500", "503"],
    "ERROR_SCHEMAS": {
        status: f"makeplus.openapi.ErrorResponse{status}Serializer"
        for status in ("401", "403", "404", "409", "413", "503")
    },
}

# Access tokens are short-lived (at most 15 minutes); refresh tokens rotate and the old one is blacklisted.
JWT_ACCESS_MINUTES = env.int("JWT_ACCESS_MINUTES", default=15)
if not 1 <= JWT_ACCESS_MINUTES <= 15:
    raise ImproperlyConfigured("JWT_ACCESS_MINUTES must be between 1 and 15.")
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=JWT_ACCESS_MINUTES),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
    # Tokens carry a hash of the password hash: changing the password revokes
    # every access token at once, not only the refresh tokens we blacklist.
    "CHECK_REVOKE_TOKEN": True,
}

# --- mobile-auth: the Flutter app's sign-in (accounts/tokens.py; README "The mobile app") ---
# The app never refreshes at start and signs out on a 401 from GET /auth/me/, so its access tokens must outlive
# an app restart. They carry a login session (claim "sid") that authentication checks on every request in the
# same statement as the user: logout, a password change or reset and account deletion end them at once. Default
# 7 days = the refresh token's lifetime, so a stolen token gives no longer access than a refresh token does today.
MOBILE_ACCESS_HOURS = env.int("MOBILE_ACCESS_HOURS", default=24 * 7)
if not 1 <= MOBILE_ACCESS_HOURS <= SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"].total_seconds() // 3600:
    raise ImproperlyConfigured("MOBILE_ACCESS_HOURS must be between 1 and the refresh lifetime (JWT_REFRESH_DAYS).")
# The multi-event login's temp_token (a signed value, not a JWT): accepted only by select-event, this long.
MOBILE_SELECTION_TOKEN_SECONDS = env.int("MOBILE_SELECTION_TOKEN_SECONDS", default=600)
# --- end mobile-auth ---

_ERROR_ENUMS = [
    "ValidationErrorEnum",
    "ClientErrorEnum",
    "ServerErrorEnum",
    "ParseErrorCodeEnum",
    "ErrorCode405Enum",
    "ErrorCode406Enum",
    "ErrorCode415Enum",
    "ErrorCode429Enum",
    "ErrorCode500Enum",
]
SPECTACULAR_SETTINGS = {
    "TITLE": "MakePlus API",
    "DESCRIPTION": "Conferences and trade fairs in Algeria: events, programme, door scanning, "
    "annonces, Q&A and exposants. Authenticate with `Authorization: Bearer <access>` from "
    "`/api/auth/login/`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Nothing loaded from outside: no online validator badge (it sends the schema's address to swagger.io).
    # ReDoc is not served: its page loads Google Fonts and its bundle a logo from Redocly's CDN (issue 21).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "ENUM_NAME_OVERRIDES": {
        name: f"drf_standardized_errors.openapi_serializers.{name}.choices" for name in _ERROR_ENUMS
    }
    | {f"ErrorCode{code}Enum": f"makeplus.openapi.ERROR_CODE_{code}_CHOICES" for code in (401, 403, 404, 409, 413, 503)}
    | {
        "ClientErrorCode400Enum": "makeplus.openapi.ERROR_CODE_400_CHOICES",
        "HealthStateEnum": "makeplus.health.HEALTH_STATES",
        "RoleEnum": "events.models.Role",
        "EventStatusEnum": "events.models.Event.Status",
        "SessionStatusEnum": "events.models.Session.Status",
        "RoomAccessStatusEnum": "events.models.RoomAccess.Status",
        "RoomAccessReasonEnum": "events.models.RoomAccess.Reason",
        "RoomAccessDirectionEnum": "events.models.RoomAccess.Direction",
        "BadgeReasonEnum": "events.serializers.access.BADGE_REASONS",
        "AnnonceStateEnum": "annonces.models.Annonce.State",
        "StaffRoleEnum": "events.models.staff.SHIFT_ROLE_CHOICES",
        "SessionTypeEnum": "events.models.Session.Type",
        "SessionAccessStatusEnum": "events.models.SessionAccess.Status",
        "PaymentMethodEnum": "events.models.SessionAccess.Method",
        "ParticipantKindEnum": "events.models.Participant.Kind",
    },
    # Replaces drf-spectacular's enum hook: same logic, skipping the generated error components.
    "POSTPROCESSING_HOOKS": [
        "drf_standardized_errors.openapi_hooks.postprocess_schema_enums",
        "makeplus.openapi.postprocess_error_attrs",
        # Issue 21: one request body per operation, one Error component, a summary and description each.
        "makeplus.openapi.postprocess_request_bodies",
        "makeplus.openapi.postprocess_one_error",
        "makeplus.openapi_docs.postprocess_docs",
    ],
    # The schema is generated in English whatever the request's language (ASCII component names).
    "DEFAULT_GENERATOR_CLASS": "makeplus.openapi.SchemaGenerator",
}

# --- Email and account codes (part "accounts": makeplus/mail.py, accounts/codes.py) -------------
# EMAIL_URL, django-environ's email URL: smtp://user:password@host:25, smtp+tls://…:587 (STARTTLS),
# smtp+ssl://…:465; the default consolemail:// prints every message to the console.
vars().update(
    {key: value for key, value in env.email_url("EMAIL_URL", default="consolemail://").items() if value is not None}
)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="MakePlus <no-reply@makeplus.dz>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
# Deliver after the response on a small thread pool (constant answer times, see makeplus/mail.py);
# off in tests (the smtp_server fixture) and when a caller needs to know the message left.
EMAIL_SEND_IN_BACKGROUND = env.bool("EMAIL_SEND_IN_BACKGROUND", default=True)
# Public address of this server, for the links in emails (set a password, reset it).
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://localhost:8000").rstrip("/")
# One-time 6-digit codes (sign-up, password reset): lifetime, wrong attempts before the code is dead,
# minimum interval between two sends and number of resends per code.
ACCOUNT_CODE_MINUTES = env.int("ACCOUNT_CODE_MINUTES", default=15)
ACCOUNT_CODE_MAX_ATTEMPTS = env.int("ACCOUNT_CODE_MAX_ATTEMPTS", default=5)
ACCOUNT_CODE_RESEND_SECONDS = env.int("ACCOUNT_CODE_RESEND_SECONDS", default=60)
ACCOUNT_CODE_MAX_RESENDS = env.int("ACCOUNT_CODE_MAX_RESENDS", default=5)
ACCOUNT_CODE_MAX_PER_HOUR = env.int("ACCOUNT_CODE_MAX_PER_HOUR", default=5)
# Invitations (an account added by an organisateur, without a password): code and link lifetime.
INVITATION_DAYS = env.int("INVITATION_DAYS", default=7)
# Web password-reset links (Django's signed tokens, invalid once the password changed).
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_LINK_MINUTES", default=60) * 60
PASSWORD_RESET_LINKS_PER_HOUR = env.int("PASSWORD_RESET_LINKS_PER_HOUR", default=3)
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].update(
    {
        # per client address, on every code request/resend and on every verify
        # (generous: a venue's attendees often share one address; the per-address limits above are the guard)
        "account_codes": env.str("ACCOUNT_CODES_THROTTLE_RATE", default="100/hour"),
        "account_code_verify": env.str("ACCOUNT_CODE_VERIFY_THROTTLE_RATE", default="200/hour"),
    }
)
# --- end of part "accounts" ------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
