"""Settings shared by every environment.

Every value that comes from the environment is read here and nowhere else, and every one is
listed in ``.env.example``. The dev/test/prod modules only change fixed choices.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

# Lets admin.ModelAdmin[Model] and QuerySet[Model] be written as generics at runtime.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Set the {name} environment variable (see .env.example).")
    return value


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from exc


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


# --- Environment (documented in .env.example) -------------------------------------------
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me-0123456789-abcdefghijklmnop")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
DATABASE_URL = env_str("DATABASE_URL", "")
# Optional PostgreSQL read replica (streaming replication of DATABASE_URL): KPI calculations and
# the board's pages read from it; everything else uses the primary (docs/scaling.md).
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
REDIS_URL = env_str("REDIS_URL", "")
COUNCIL_NAME = env_str("COUNCIL_NAME", "Wessex County Council")
SERVICE_NAME = env_str("SERVICE_NAME", "Family Safeguarding")
# Mid-year estimate of residents aged 0-17: the denominator of every "per 10,000 children" KPI.
CHILD_POPULATION = env_int("CHILD_POPULATION", 250_000)
# Visit intervals vary between councils (DOMAIN.md, statutory timescales); these are defaults.
CP_VISIT_INTERVAL_WORKING_DAYS = env_int("CP_VISIT_INTERVAL_WORKING_DAYS", 10)
CIN_VISIT_INTERVAL_WORKING_DAYS = env_int("CIN_VISIT_INTERVAL_WORKING_DAYS", 20)
LAC_VISIT_INTERVAL_WEEKS = env_int("LAC_VISIT_INTERVAL_WEEKS", 6)
SUPERVISION_INTERVAL_WEEKS = env_int("SUPERVISION_INTERVAL_WEEKS", 4)
DEMO_PASSWORD = env_str("DEMO_PASSWORD", "Safeguarding-demo-2026")
ALLOW_DEMO_DATA = env_bool("ALLOW_DEMO_DATA", True)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "no-reply@family-safeguarding.invalid")
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
# The address people use to reach the service; emails link here and never carry case details.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
API_THROTTLE_RATE = env_str("API_THROTTLE_RATE", "300/minute")
CELERY_WORKER_PING_TIMEOUT = float(env_str("CELERY_WORKER_PING_TIMEOUT", "3"))

if not DATABASE_URL or not REDIS_URL:
    raise ImproperlyConfigured(
        "DATABASE_URL and REDIS_URL must be set. 'make run' and 'make test' start embedded "
        "servers and set them for you; otherwise run 'make services' and export what it prints."
    )

# --- Applications ----------------------------------------------------------------------------
INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "oauth2_provider",
    "guardian",
    "pgtrigger",
    "pghistory",
    "django_celery_beat",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "safeguarding",
    "teams",
    "cases",
    "workbook",
    "supervision",
    "kpis",
]

MIDDLEWARE = [
    "safeguarding.lib.health.HealthCheckMiddleware",
    "safeguarding.lib.request_id.RequestIdMiddleware",
    # Request id, user and route on every log line; one access line per request.
    "safeguarding.lib.logging.RequestLogMiddleware",
    "safeguarding.lib.api.ApiBodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # no-store for signed-in requests, Permissions-Policy: after WhiteNoise, so static files
    # keep their long cache lifetimes.
    "safeguarding.lib.headers.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Idle timeout, absolute limit, activity: before anything that needs a signed-in user.
    "teams.sessions.SessionLifetimeMiddleware",
    # A signed-in session must pass the second factor (django-otp) before any other page.
    "teams.mfa.SecondFactorMiddleware",
    # Puts the signed-in user and URL into the context of every pghistory change row.
    "pghistory.middleware.HistoryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "safeguarding.urls"
WSGI_APPLICATION = "safeguarding.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "safeguarding.context_processors.service",
            ],
            "builtins": ["safeguarding.templatetags.lookup"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
}
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=60, conn_health_checks=True
    )
# Reads inside safeguarding.db_routers.use_replica() go to "replica" when it is configured;
# writes and migrations always go to "default".
DATABASE_ROUTERS = ["safeguarding.db_routers.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "teams.User"
AUTHENTICATION_BACKENDS = [
    # django-axes must come first so a locked-out pair is refused before the password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "teams:sign-in"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "teams:signed-out"

# django-axes: lock a username + IP pair after 5 failures for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "teams/locked_out.html"

# Multi-factor authentication (django-otp): an authenticator app (TOTP), recovery codes as the
# fallback. A wrong code doubles the wait before the next try (1, 2, 4, 8... seconds).
OTP_TOTP_ISSUER = SERVICE_NAME
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# The admin never shows a device's secret key or QR code: enrolling is for the user alone.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# django-guardian: per-object exceptions only (DESIGN §5); no anonymous user row.
ANONYMOUS_USER_NAME = None
GUARDIAN_MONKEY_PATCH_USER = False

# --- Internationalisation ----------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "j M Y"

# --- Private files (workbook attachments): never under STATIC_ROOT or MEDIA_URL ----------
PRIVATE_STORAGE_ROOT = Path(env_str("PRIVATE_STORAGE_ROOT", str(BASE_DIR / "var" / "private")))
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024

# --- Static files ----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Sessions and cookies ------------------------------------------------------------------
SESSION_COOKIE_AGE = 12 * 60 * 60  # absolute limit of a working day
# Signed out after this long without a request; warned SESSION_WARNING_SECONDS before.
SESSION_IDLE_TIMEOUT_SECONDS = 30 * 60
SESSION_WARNING_SECONDS = 2 * 60
SESSION_ABSOLUTE_LIMIT_SECONDS = SESSION_COOKIE_AGE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# --- Content Security Policy (django-csp 4): no inline script or style anywhere ------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# --- Cache (Redis) -----------------------------------------------------------------------------
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "fs",
    }
}

# --- Celery --------------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
# A task acknowledged only after it finishes is redelivered if its worker dies mid-run.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Workers log through LOGGING (JSON lines without personal data), not Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_DEFAULT_EXCHANGE = "default"
CELERY_TASK_DEFAULT_ROUTING_KEY = "default"
CELERY_TASK_ROUTES = {
    "kpis.tasks.*": {"queue": "kpis", "routing_key": "kpis"},
    "*.tasks.render_*_pdf": {"queue": "pdf", "routing_key": "pdf"},
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redelivery after a lost worker: must exceed the longest task (time limit above).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# --- REST framework -----------------------------------------------------------------------
REST_FRAMEWORK = {
    # Bearer first, so a call with no credentials answers 401 with WWW-Authenticate.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "safeguarding.lib.api.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "safeguarding.lib.api.ApiCursorPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": ["safeguarding.lib.api.ClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"client": API_THROTTLE_RATE},
    "EXCEPTION_HANDLER": "safeguarding.lib.api.exception_handler",
    "DATETIME_FORMAT": "iso-8601",
    "UNAUTHENTICATED_USER": None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# Bodies larger than this are refused (413) before they are parsed.
API_MAX_BODY_BYTES = 64 * 1024

# Partner systems are OAuth2 clients (client credentials); tokens live ten minutes.
OAUTH2_PROVIDER = {
    "ACCESS_TOKEN_EXPIRE_SECONDS": 600,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 8 * 60 * 60,
    "SCOPES_BACKEND_CLASS": "teams.oauth.PartnerScopes",
    "OAUTH2_VALIDATOR_CLASS": "teams.oauth.PartnerOAuth2Validator",
    "PKCE_REQUIRED": True,
    # RFC 9700 (OAuth 2.0 Security BCP) throughout: no implicit or password grants, S256 PKCE
    # only, bearer tokens never in a query string, tokens stored hashed, refresh-token replay
    # revokes the family, https redirect URIs only.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    # Client secrets are stored hashed: shown once when registered or rotated.
}
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"

SPECTACULAR_SETTINGS = {
    "TITLE": f"{SERVICE_NAME} API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "DESCRIPTION": (
        "The Family Safeguarding case management API. Partner agencies (police forces, NHS "
        "trusts) authenticate as OAuth2 clients with the client-credentials grant and the "
        "scopes their data-sharing agreement allows; members of staff use their signed-in "
        "session or a staff token, and see only what the access policy lets them see. Every "
        "error has the same body: status, code, title, detail, errors (per field, for "
        "validation errors) and request_id. Timestamps are ISO 8601 in UTC."
    ),
    "OAUTH2_FLOWS": ["clientCredentials"],
    "OAUTH2_TOKEN_URL": "/o/token/",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "status": each choice set gets its own, stable enum name.
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "cases.models.CaseStatus",
        "EntryStatusEnum": "workbook.models.EntryStatus",
        "ActionStatusEnum": "supervision.models.ActionStatus",
    },
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVERS": [],
    "CONTACT": {"name": "Family Safeguarding service desk"},
    "LICENSE": {"name": "Proprietary"},
}

# --- Email ----------------------------------------------------------------------------------
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"

# --- Logging: ids, never people (STYLE.md §19) --------------------------------------------
# One JSON object per line (safeguarding/lib/logging.py); dev.py switches to "plain".
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "personal_data": {"()": "safeguarding.lib.logging.PersonalDataFilter"},
        "request_context": {"()": "safeguarding.lib.logging.RequestContextFilter"},
    },
    "formatters": {
        "json": {"()": "safeguarding.lib.logging.JsonFormatter"},
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] "
            "user=%(user_id)s route=%(route)s %(message)s"
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            # On the handler, not a logger: a handler's filters see records from every logger.
            "filters": ["personal_data", "request_context"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's defaults send these to handlers of their own (the development server's
        # request lines with query strings, and admin emails with request details): here they
        # go through the console handler's filters like everything else.
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # oauthlib logs issued access tokens at DEBUG: never write them, whatever LOG_LEVEL says.
        "oauthlib": {"level": "WARNING"},
        # WeasyPrint logs refused URLs, which come from record text: keep them out of logs.
        "weasyprint": {"level": "CRITICAL"},
        "fontTools": {"level": "WARNING"},
    },
}
