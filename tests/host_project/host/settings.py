"""A minimal host project: another company's Django site that installs the three apps as a plugin."""

from pathlib import Path

from crm.plugin import LANGUAGES as PLUGIN_LANGUAGES
from crm.plugin import rest_framework_settings, spectacular_settings

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "host-project-smoke-test-only"
DEBUG = True
ALLOWED_HOSTS = ["testserver", "localhost"]
ROOT_URLCONF = "host.urls"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
STATIC_URL = "static/"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # the host's own apps would be here
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "crm",
    "intel",
    "intel.technographics",
    "leads",
    "leads.salesforce",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The pages in the browser's language (Accept-Language or the switcher's cookie) ...
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # ... unless the rep saved one on /preferences/; and the times in the rep's time zone.
    "crm.middleware.RepTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

# The pages' languages (their catalogues ship inside the apps' locale/ folders).
LANGUAGES = PLUGIN_LANGUAGES
LOGIN_URL = "login"

# What the apps read (validated at startup by crm.plugin.validate_settings).
CRM_HOME_VENDOR = "aws"
CRM_EVIDENCE_CHANGED_TASK = "leads.process_evidence_changes"
REST_FRAMEWORK = rest_framework_settings()
SPECTACULAR_SETTINGS = spectacular_settings()

# Celery: the host's own app; tasks run in-process here.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_IMPORTS = ["leads.webhooks.tasks"]
