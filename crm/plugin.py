"""The plugin contract: what a host Django project adds to install crm, intel and leads, and the
check, run at startup, that it did so (a clear ImproperlyConfigured otherwise)."""

import re

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

REQUIRED_APPS = (
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "crm",
    "intel",
    "intel.technographics",
    "leads",
    "leads.salesforce",
)

# The languages of the pages, for a host's LANGUAGES setting (their catalogues ship in crm/locale).
LANGUAGES = [("en", "English"), ("ja", "日本語"), ("zh-hans", "简体中文")]

TOKEN_AUTHENTICATION = "crm.api.authentication.ApiTokenAuthentication"
API_ACCESS_PERMISSION = "crm.api.permissions.ApiAccess"


def rest_framework_settings(*, user_rate: str = "1200/minute", upload_rate: str = "30/minute") -> dict:
    """The REST_FRAMEWORK setting the API needs (a host project assigns it, or merges its own into it)."""
    return {
        "DEFAULT_SCHEMA_CLASS": "crm.api.schema.AutoSchema",
        "DEFAULT_PERMISSION_CLASSES": [API_ACCESS_PERMISSION],
        "DEFAULT_AUTHENTICATION_CLASSES": [TOKEN_AUTHENTICATION, "crm.api.authentication.SessionAuthentication"],
        "DEFAULT_PAGINATION_CLASS": "crm.api.pagination.StandardPagination",
        "PAGE_SIZE": 50,
        "DEFAULT_FILTER_BACKENDS": [
            "crm.api.filters.FilterBackend",
            "rest_framework.filters.OrderingFilter",
        ],
        "DEFAULT_RENDERER_CLASSES": ["crm.api.renderers.OrjsonRenderer"],
        # Bodies are JSON, bounded in size and depth (400/413, never a 500); anything else is a 415. A form
        # cannot say null, a list or an object as the schema does; the uploads take multipart themselves.
        "DEFAULT_PARSER_CLASSES": ["crm.api.parsers.JSONParser"],
        "DEFAULT_THROTTLE_CLASSES": ["crm.api.throttling.TokenOrUserRateThrottle"],
        # Per token (each tool) or per signed-in user; uploads have their own, smaller budget.
        "DEFAULT_THROTTLE_RATES": {"user": user_rate, "upload": upload_rate},
        "TEST_REQUEST_DEFAULT_FORMAT": "json",
        "EXCEPTION_HANDLER": "crm.api.base.exception_handler",
    }


def spectacular_settings() -> dict:
    """SPECTACULAR_SETTINGS for the API's OpenAPI document and its CDN-free Swagger UI."""
    return {
        "TITLE": "Exchange Intel API",
        "DESCRIPTION": "Crypto exchanges as prospects for a cloud vendor: accounts, evidence and lead scores.",
        "VERSION": "1.0.0",
        "SERVE_INCLUDE_SCHEMA": False,
        "SWAGGER_UI_DIST": "SIDECAR",
        "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
        "REDOC_DIST": "SIDECAR",
        "COMPONENT_SPLIT_REQUEST": True,
        "SCHEMA_PATH_PREFIX": r"/api/v1",
        "POSTPROCESSING_HOOKS": [
            "drf_spectacular.hooks.postprocess_schema_enums",
            "crm.api.schema.relax_blank_formats",
            "crm.api.schema.link_operations_on_one_object",
        ],
        "ENUM_NAME_OVERRIDES": {
            "FollowUpStatusEnum": "leads.choices.FollowUpStatus",
            "OpportunityStageEnum": "leads.choices.OpportunityStage",
            "SizeTierEnum": "crm.choices.SizeTier",
            "DeliveryStatusEnum": "leads.webhooks.choices.DeliveryStatus",
            "WebhookEventEnum": "leads.webhooks.choices.WebhookEvent",
        },
    }


def _positive_int(name: str) -> None:
    value = getattr(settings, name, None)
    if value is not None and (not isinstance(value, int) or value <= 0):
        raise ImproperlyConfigured(f"{name} must be a positive whole number, not {value!r}.")


def validate_settings() -> None:
    """Refuse to start with settings the apps cannot work with, naming the setting and the fix."""
    missing = [app for app in REQUIRED_APPS if app not in settings.INSTALLED_APPS]
    if missing:
        raise ImproperlyConfigured(f"INSTALLED_APPS lacks {', '.join(missing)}: add them (see README, 'Plugin').")
    home = getattr(settings, "CRM_HOME_VENDOR", "")
    if not isinstance(home, str) or not re.fullmatch(r"[-a-z0-9_]+", home):
        raise ImproperlyConfigured(
            f"CRM_HOME_VENDOR must be the slug of the vendor the sales team works for (e.g. 'tencent-cloud'), "
            f"not {home!r}."
        )
    if not getattr(settings, "CRM_EVIDENCE_CHANGED_TASK", ""):
        raise ImproperlyConfigured(
            "CRM_EVIDENCE_CHANGED_TASK must name the task that rescoring runs: 'leads.process_evidence_changes'."
        )
    rest = getattr(settings, "REST_FRAMEWORK", {})
    if TOKEN_AUTHENTICATION not in rest.get("DEFAULT_AUTHENTICATION_CLASSES", ()):
        raise ImproperlyConfigured(
            f"REST_FRAMEWORK['DEFAULT_AUTHENTICATION_CLASSES'] must include {TOKEN_AUTHENTICATION}: "
            "use crm.plugin.rest_framework_settings()."
        )
    if API_ACCESS_PERMISSION not in rest.get("DEFAULT_PERMISSION_CLASSES", ()):
        raise ImproperlyConfigured(
            f"REST_FRAMEWORK['DEFAULT_PERMISSION_CLASSES'] must include {API_ACCESS_PERMISSION}, or anonymous "
            "callers would be let in: use crm.plugin.rest_framework_settings()."
        )
    for name in ("API_UPLOAD_MAX_BYTES", "API_UPLOAD_MAX_ROWS"):
        _positive_int(name)
