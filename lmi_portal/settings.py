"""Settings for the LMI Portal, read from the environment (see README, "Configuration").

The defaults are safe for a developer's machine: SQLite under var/, Celery on a filesystem
broker under var/, a local-memory cache and email printed to the console. Production sets
DJANGO_DEBUG off, a secret key, DATABASE_URL, REDIS_URL and EMAIL_URL.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

VAR_DIR = Path(env.str("LMI_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
    "template_partials",
    "csp",
    "lmi_portal.core",
    "partners",
    "network",
    "initiatives",
    "knowledge",
]

MIDDLEWARE = [
    # First, so that every log line of the request carries its id.
    "lmi_portal.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # High up, so answers that middleware below gives on its own (the slash redirect, login
    # redirects) carry the framing and content policies too.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "partners.middleware.ActiveAccountMiddleware",
    "partners.middleware.UserLanguageMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "partners.middleware.MFARequiredMiddleware",
    "partners.middleware.CommonUnderstandingMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "lmi_portal.core.middleware.NoStoreForAuthenticatedMiddleware",
]

ROOT_URLCONF = "lmi_portal.urls"
WSGI_APPLICATION = "lmi_portal.wsgi.application"

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
                "django.template.context_processors.i18n",
                "csp.context_processors.nonce",
                "lmi_portal.core.context_processors.csp",
                "partners.context_processors.portal",
            ],
        },
    },
]

# Project templates restyle Django's form widgets (Bootstrap classes), allauth's forms included.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Database -------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'lmi.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and IMMEDIATE transactions let web, worker and beat share the file without
    # "database is locked" errors.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Covering indexes (Index(include=...)) serve PostgreSQL; SQLite builds them without the
    # included columns, which is all a development database needs.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and broker -----------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # A Redis outage degrades the cache to "keeps nothing" instead of breaking pages.
            "BACKEND": "lmi_portal.core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            # A Redis that hangs costs a request at most a second per cache call, not redis-py's
            # default of five.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": 3600}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    _broker_dir = VAR_DIR / "celery"
    for _sub in ("out", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "data_folder_processed": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        # The worker polls the folder; at the default 1 s it takes about one message a second.
        "polling_interval": 0.05,
        "store_processed": False,
    }

# --- Celery ---------------------------------------------------------------------------------
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Europe/Amsterdam"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
HEARTBEAT_INTERVAL_SECONDS = env.int("HEARTBEAT_INTERVAL_SECONDS", default=30)
# People whose last post ended this many months ago (and have no active login) are anonymised.
NETWORK_ANONYMISE_AFTER_MONTHS = env.int("NETWORK_ANONYMISE_AFTER_MONTHS", default=24)
# A record neither confirmed nor spoken to for this many days is flagged as stale.
NETWORK_STALE_AFTER_DAYS = env.int("NETWORK_STALE_AFTER_DAYS", default=180)
# How long the network map's data is reused before it is computed again.
NETWORK_MAP_CACHE_SECONDS = env.int("NETWORK_MAP_CACHE_SECONDS", default=300)
# How long the ranking of a people search is reused by every member (the people shown are
# read again each time; a new match shows after at most this long).
NETWORK_SEARCH_CACHE_SECONDS = env.int("NETWORK_SEARCH_CACHE_SECONDS", default=60)
# An initiative in an active phase with no activity for this many days is flagged as dormant.
INITIATIVE_DORMANT_AFTER_DAYS = env.int("INITIATIVE_DORMANT_AFTER_DAYS", default=42)
# Digests are composed for this many users at a time, in one transaction per batch.
DIGEST_BATCH_SIZE = env.int("DIGEST_BATCH_SIZE", default=200)
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {
        "task": "lmi_portal.core.tasks.heartbeat",
        "schedule": HEARTBEAT_INTERVAL_SECONDS,
    },
    "outbox-flush": {
        "task": "lmi_portal.core.tasks.outbox_flush",
        "schedule": 60.0,
    },
    "network-stale-contacts-scan": {
        "task": "network.tasks.stale.stale_contacts_scan",
        "schedule": crontab(hour=6, minute=30),  # daily; idempotent, one email per steward/day
    },
    "network-handovers-open-due": {
        "task": "network.tasks.handovers.handovers_open_due",
        "schedule": crontab(hour=6, minute=45),  # daily; one handover per post, emails once
    },
    "onboarding-reminders": {
        "task": "partners.tasks.onboarding.onboarding_send_reminders",
        "schedule": crontab(hour=8, minute=15),  # daily; each (organisation, step) only once
    },
    "network-snapshot": {
        "task": "network.tasks.continuity.network_snapshot_take",
        # Daily, but keyed by month: the month's snapshot is taken on its first day the
        # scheduler runs, so a beat that was down on the 1st does not lose the month.
        "schedule": crontab(hour=4, minute=30),
    },
    "network-derive-ties": {
        "task": "network.tasks.ties.network_derive_ties",
        "schedule": crontab(hour=5, minute=50),  # daily; idempotent, only new pairs are added
    },
    "initiatives-flag-dormant": {
        "task": "initiatives.tasks.initiatives_flag_dormant",
        "schedule": crontab(hour=7, minute=10),  # daily; flags each dormant spell once
    },
    "network-anonymise-departed": {
        "task": "network.tasks.privacy.network_anonymise_departed",
        "schedule": crontab(hour=3, minute=40),  # daily; idempotent
    },
    "digests": {
        "task": "lmi_portal.core.tasks.digest_run_due",
        # Hourly: each user's digest goes out at the hour they chose; one per period, ever.
        "schedule": crontab(minute=5),
    },
    "knowledge-extract-pending": {
        "task": "knowledge.tasks.knowledge_extract_pending",
        "schedule": 600.0,  # uploads whose extraction task was lost (broker down at the time)
    },
}

# --- Email ----------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="LMI Portal <noreply@lmi-portal.nl>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)
# An email claimed for sending this long ago belongs to a worker that died mid-send: the flush
# sends it again. Keep it well above EMAIL_TIMEOUT and CELERY_TASK_TIME_LIMIT, or a slow but
# living worker's email could go out twice.
OUTBOX_STALE_AFTER_SECONDS = env.int("OUTBOX_STALE_AFTER_SECONDS", default=15 * 60)
# Seconds an SMTP conversation may stall before the send fails and is retried later
# (Django's default is to wait forever, holding a worker).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# Shared secret of the mail server's bounce webhook (POST /berichten/bounce/, sent as
# "Authorization: Bearer <token>"); empty switches the webhook off (it answers 404).
EMAIL_BOUNCE_TOKEN = env.str("EMAIL_BOUNCE_TOKEN", default="")

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "partners.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
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
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
ACCOUNT_ADAPTER = "partners.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PREVENT_ENUMERATION = True
# Pages reached through a secret link (invitation, confirm, unsubscribe, calendar feed, bounce
# webhook): at most this many requests per client address per window (lmi_portal.core.ratelimit).
LINK_RATE_LIMIT = env.int("LINK_RATE_LIMIT", default=60)
LINK_RATE_WINDOW = env.int("LINK_RATE_WINDOW", default=600)
ACCOUNT_RATE_LIMITS = {
    "login_failed": "5/m/ip,5/5m/key",
    "login": "30/m/ip",
    "reset_password": "5/m/ip,3/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[LMI Portal] "
# Links in account emails use the scheme of the public address.
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https://") else "http"
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_TOTP_ISSUER = "LMI Portal"
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
MFA_PASSKEY_LOGIN_ENABLED = False
# Portal roles that may not use the portal without a second factor.
MFA_REQUIRED_ROLES = ("admin", "programme_manager")

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Nederlands")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Uploaded documents live here, outside every served directory, under random names.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private")))

# --- Knowledge ------------------------------------------------------------------------------
KNOWLEDGE_UPLOAD_MAX_BYTES = env.int("KNOWLEDGE_UPLOAD_MAX_BYTES", default=25 * 1024 * 1024)
KNOWLEDGE_REVIEW_MONTHS = env.int("KNOWLEDGE_REVIEW_MONTHS", default=12)
# Behind nginx: the internal location that serves PRIVATE_MEDIA_ROOT (e.g. "/_private/"); the
# download view then answers with X-Accel-Redirect instead of streaming the file itself.
KNOWLEDGE_X_ACCEL_PREFIX = env.str("KNOWLEDGE_X_ACCEL_PREFIX", default="")
# A clamd virus scanner ("unix:///run/clamav/clamd.ctl" or "tcp://clamav:3310"); empty = off.
CLAMD_URL = env.str("CLAMD_URL", default="")
# Seconds to wait for clamd; an upload is refused (not stored unscanned) when it takes longer.
CLAMD_TIMEOUT = env.int("CLAMD_TIMEOUT", default=30)

# --- Security -------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
if env.bool("DJANGO_BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
_secure_cookies = env.bool("SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_SECURE = _secure_cookies
CSRF_COOKIE_SECURE = _secure_cookies
LANGUAGE_COOKIE_SECURE = _secure_cookies
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Logging --------------------------------------------------------------------------------
# LOG_FORMAT=json (production): one JSON object per line on stderr, with the request id and
# path or the Celery task; text (default): one readable line. Web, worker and beat share this
# configuration (lmi_portal/celery.py hands it to Celery).
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured("LOG_FORMAT must be 'text' or 'json'.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "lmi_portal.core.logging.RequestContextFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "lmi_portal.core.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Django's own console handler would print its records a second time, unformatted.
    "loggers": {"django": {"handlers": [], "propagate": True}},
}
