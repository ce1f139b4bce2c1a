"""MakePlus settings, read from the environment (see README "Configuration").

Defaults are for the quick start: SQLite file, local-memory cache, DEBUG off
unless asked for. Production sets DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS.
"""

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
    "django.contrib.admin",
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
    "seeds",  # demo and load-test data, on top of the domain apps
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "makeplus.headers.ApiSecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "makeplus.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers wait for the lock instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (throttling, shared between app processes when Redis is set) -------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth ---------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
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
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
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
        "login": env.str("LOGIN_THROTTLE_RATE", default="10/min"),
        "login_email": env.str("LOGIN_EMAIL_THROTTLE_RATE", default="10/min"),
        "register": env.str("REGISTER_THROTTLE_RATE", default="20/hour"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Behind a reverse proxy, the client address is taken from X-Forwarded-For.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=None) if env.str("NUM_PROXIES", default="") else None,
}

# Live Q&A: questions a user may ask per period (shared cache when Redis is configured).
QUESTION_RATE = env.str("QUESTION_RATE", default="5/min")

DRF_STANDARDIZED_ERRORS = {
    "EXCEPTION_HANDLER_CLASS": "makeplus.error_handling.ExceptionHandler",
    # One format also for crashes in DEBUG (tests assert on it).
    "ENABLE_IN_DEBUG_FOR_UNHANDLED_EXCEPTIONS": True,
    # The schema documents our own codes and statuses too (makeplus/openapi.py).
    "ALLOWED_ERROR_STATUS_CODES": ["400", "401", "403", "404", "405", "406", "409", "413", "415", "429", "500"],
    "ERROR_SCHEMAS": {
        status: f"makeplus.openapi.ErrorResponse{status}Serializer" for status in ("401", "403", "404", "409", "413")
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
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        name: f"drf_standardized_errors.openapi_serializers.{name}.choices" for name in _ERROR_ENUMS
    }
    | {f"ErrorCode{code}Enum": f"makeplus.openapi.ERROR_CODE_{code}_CHOICES" for code in (401, 403, 404, 409, 413)}
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
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
