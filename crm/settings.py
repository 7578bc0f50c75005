"""Settings for the product, driven by environment variables (see .env.example).

Unset variables give the embedded default: SQLite in the project folder and Celery
running tasks in-process. Setting DATABASE_URL and REDIS_URL gives the team setup.
"""

import datetime
import os
import secrets
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from crm.plugin import LANGUAGES as PLUGIN_LANGUAGES
from crm.plugin import rest_framework_settings, spectacular_settings

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists() and not os.environ.get("CRM_IGNORE_DOTENV"):
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=True)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # Local use only: a fresh key per process means sessions do not survive a restart.
    SECRET_KEY = secrets.token_urlsafe(50)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "crm",
    "intel",
    "intel.technographics",
    "leads",
    "leads.salesforce",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The browser's Accept-Language (or the language cookie) first; a rep's saved language wins below.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "crm.middleware.RepTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a locked-out sign-in into the lockout page (crm.signin.lockout_response).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "crm.urls"

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

WSGI_APPLICATION = "crm.wsgi.application"
ASGI_APPLICATION = "crm.asgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
# A kept connection is checked before each request (web) and each task (worker) reuses it: one
# terminated by the server (a restart, pg_terminate_backend, a failover) is replaced, not a 500.
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the demo server read while a background import writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", "timeout": 20}
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in throttling (django-axes, crm.signin): LOGIN_FAILURE_LIMIT wrong passwords for one username from
# one address lock that pair out for LOGIN_LOCKOUT_MINUTES, on the login page and the admin alike; a
# success clears the count. The attempts are kept in the database (axes' AccessAttempt, in the admin).
AUTHENTICATION_BACKENDS = ["crm.signin.LoginThrottleBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "crm.signin.lockout_response"
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_VERBOSE = False

LANGUAGE_CODE = "en"
# The languages of the pages: English, Japanese and Simplified Chinese (the catalogues live in
# each app's locale/ folder, compiled .mo files included).
LANGUAGES = PLUGIN_LANGUAGES
# One catalogue for the pages (makemessages run from the root writes there; it is also crm's app catalogue).
LOCALE_PATHS = [BASE_DIR / "crm" / "locale"]
# The product's number formats (crm/formats): Chinese figures grouped by thousands, "12,346".
FORMAT_MODULE_PATH = ["crm.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "leads:today"
LOGOUT_REDIRECT_URL = "login"

# Cache: Redis when configured, process memory otherwise. It only speeds things up (token lookups,
# rate-limit counters): an unreachable Redis costs at most a second, then the API works without it
# (crm.cache) while PostgreSQL answers.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1.0, "socket_timeout": 1.0},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: with no broker configured, tasks run in-process (the embedded default).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if CELERY_TASK_ALWAYS_EAGER:
    # Tasks run in-process; an in-memory transport keeps kombu from looking for a broker host.
    CELERY_BROKER_URL = "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Delivery and recovery, chosen together:
# - At-least-once: a task is acknowledged after it ran (acks_late), and one whose worker process
#   died is put back at once (reject_on_worker_lost); handlers are idempotent, so a second run is
#   harmless. Each worker process reserves one message at a time (prefetch 1).
# - A task running over CELERY_TASK_TIME_LIMIT (300 s; rescore chunks have 60 s, see leads.tasks)
#   is killed, its transaction rolled back.
# - The Redis transport gives back a message that a worker took and never acknowledged (the whole
#   worker was killed, its host lost) only after visibility_timeout = 2 x CELERY_TASK_TIME_LIMIT
#   + 60 s = 660 s (11 minutes), checked every unacked_restore_interval. It must stay longer than any
#   task runs and longer than the countdown of a delayed retry, or running and waiting tasks would be
#   delivered twice. So the product does not wait for it: work owed is a row first (crm.EvidenceChange,
#   leads.RescoreChunk, leads.WebhookDelivery) and the relays on beat publish again what nobody
#   served; a killed worker's rescore chunk is published again RESCORE_RELAY_AFTER_SECONDS after the
#   workers go idle (at most 60 s + the relay's 15 s beat), and the late original finds it done.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 30
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 2 * CELERY_TASK_TIME_LIMIT + 60,
    "unacked_restore_interval": 2,
    "unacked_restore_throttle": 1,
}
# Exchanges per rescore chunk (one task, one transaction); the relay's patience with an unserved chunk.
RESCORE_CHUNK_SIZE = env.int("RESCORE_CHUNK_SIZE", default=2000)
RESCORE_RELAY_AFTER_SECONDS = env.float("RESCORE_RELAY_AFTER_SECONDS", default=60.0)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE: dict = {
    # Re-publish evidence changes left unserved (a lost message, a Redis restart, a killed worker).
    "leads-relay-evidence-changes": {"task": "leads.relay_evidence_changes", "schedule": 60.0},
    # Re-publish rescore chunks nobody is serving (activations, home vendor changes, decay runs).
    "leads-relay-rescore-chunks": {
        "task": "leads.relay_rescore_chunks",
        "schedule": env.float("RESCORE_RELAY_BEAT_SECONDS", default=15.0),
    },
    # Incidents, meetings and AI interest decay: recompute every score once a day.
    "leads-decay-rescore": {"task": "leads.decay_rescore", "schedule": 24 * 60 * 60.0},
    # A changed CRM_HOME_VENDOR rescores everything (also checked when a worker starts).
    "leads-check-home-vendor": {"task": "leads.check_home_vendor", "schedule": 60.0},
    # The win likelihood learns from the closed opportunities: a new version once a week.
    "leads-train-win-model-weekly": {"task": "leads.train_win_model", "schedule": 7 * 24 * 60 * 60.0},
    # Which cloud each exchange runs on, from its public hosts: once a week.
    "technographics-detect-clouds-weekly": {
        "task": "technographics.detect_clouds_weekly",
        "schedule": 7 * 24 * 60 * 60.0,
    },
}

# The product's own settings.
CRM_HOME_VENDOR = env.str("CRM_HOME_VENDOR", default="tencent-cloud")
# The task that consumes crm.EvidenceChange rows (rescoring); looked up by name after commit.
CRM_EVIDENCE_CHANGED_TASK = "leads.process_evidence_changes"

# Salesforce sync (leads.salesforce): on when SALESFORCE_LOGIN_URL and SALESFORCE_CLIENT_ID are set.
# Sign-in: JWT bearer (SALESFORCE_USERNAME + a private key from SALESFORCE_PRIVATE_KEY_FILE or
# SALESFORCE_PRIVATE_KEY) or client credentials (SALESFORCE_CLIENT_SECRET, with the My Domain URL).
SALESFORCE_LOGIN_URL = env.str("SALESFORCE_LOGIN_URL", default="")
SALESFORCE_CLIENT_ID = env.str("SALESFORCE_CLIENT_ID", default="")
SALESFORCE_USERNAME = env.str("SALESFORCE_USERNAME", default="")
SALESFORCE_PRIVATE_KEY_FILE = env.str("SALESFORCE_PRIVATE_KEY_FILE", default="")
SALESFORCE_PRIVATE_KEY = env.str("SALESFORCE_PRIVATE_KEY", default="")
SALESFORCE_CLIENT_SECRET = env.str("SALESFORCE_CLIENT_SECRET", default="")
SALESFORCE_AUDIENCE = env.str("SALESFORCE_AUDIENCE", default="")
SALESFORCE_API_VERSION = env.str("SALESFORCE_API_VERSION", default="62.0")
SALESFORCE_TIMEOUT_SECONDS = env.float("SALESFORCE_TIMEOUT_SECONDS", default=30.0)
SALESFORCE_BUDGET_SHARE = env.float("SALESFORCE_BUDGET_SHARE", default=0.8)
SALESFORCE_BULK_THRESHOLD = env.int("SALESFORCE_BULK_THRESHOLD", default=2000)
SALESFORCE_SYNC_MINUTES = env.int("SALESFORCE_SYNC_MINUTES", default=5)
# The language of the org: the score's top reasons and size evidence are written in it (en, ja or zh-hans).
SALESFORCE_LANGUAGE = env.str("SALESFORCE_LANGUAGE", default="en")
# The read back (sync_salesforce --pull): Accounts, Contacts and Opportunities changed since the last pull,
# by REST query pages, or one Bulk API 2.0 query job per object above SALESFORCE_PULL_BULK_THRESHOLD records.
SALESFORCE_PULL_MINUTES = env.int("SALESFORCE_PULL_MINUTES", default=15)
SALESFORCE_PULL_BULK_THRESHOLD = env.int("SALESFORCE_PULL_BULK_THRESHOLD", default=2000)
# Opportunity fields naming the rival that won and why, read when the org's describe() has them.
SALESFORCE_LOST_TO_FIELD = env.str("SALESFORCE_LOST_TO_FIELD", default="Lost_To__c")
SALESFORCE_LOST_REASON_FIELD = env.str("SALESFORCE_LOST_REASON_FIELD", default="Loss_Reason__c")
if SALESFORCE_LOGIN_URL and SALESFORCE_CLIENT_ID:
    CELERY_BEAT_SCHEDULE["salesforce-sync"] = {"task": "salesforce.sync", "schedule": SALESFORCE_SYNC_MINUTES * 60}
    CELERY_BEAT_SCHEDULE["salesforce-pull"] = {"task": "salesforce.pull", "schedule": SALESFORCE_PULL_MINUTES * 60}

REST_FRAMEWORK = rest_framework_settings(
    user_rate=env.str("API_THROTTLE_RATE", default="1200/minute"),
    upload_rate=env.str("API_UPLOAD_THROTTLE_RATE", default="30/minute"),
)
# Attendee lists uploaded over the API: larger files answer 413, longer lists 400.
API_UPLOAD_MAX_BYTES = env.int("API_UPLOAD_MAX_BYTES", default=5 * 1024 * 1024)
API_UPLOAD_MAX_ROWS = env.int("API_UPLOAD_MAX_ROWS", default=20_000)
# Webhooks: public targets only unless allowed (tests allow loopback); retries back off exponentially.
WEBHOOK_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", default=False)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=5.0)
WEBHOOK_BACKOFF_BASE_SECONDS = env.float("WEBHOOK_BACKOFF_BASE_SECONDS", default=30.0)
WEBHOOK_RESOLVE_TIMEOUT_SECONDS = env.float("WEBHOOK_RESOLVE_TIMEOUT_SECONDS", default=2.0)
# A CA bundle path for targets with a private CA; empty: the system's trust store.
WEBHOOK_CA_BUNDLE = env.str("WEBHOOK_CA_BUNDLE", default="")
CELERY_IMPORTS = ["leads.webhooks.tasks"]
CELERY_BEAT_SCHEDULE["relay-webhooks"] = {"task": "leads.relay_webhooks", "schedule": 30.0}

SPECTACULAR_SETTINGS = spectacular_settings()

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 30)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # One line per task run is noise in the embedded (eager) mode; workers log their own.
    "loggers": {"celery.app.trace": {"level": "INFO" if not CELERY_TASK_ALWAYS_EAGER else "WARNING"}},
}
