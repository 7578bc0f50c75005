"""The sync's settings, read from Django settings (themselves from SALESFORCE_* environment variables).

The integration is switched on by SALESFORCE_LOGIN_URL and SALESFORCE_CLIENT_ID. The JWT private key
comes from a file (SALESFORCE_PRIVATE_KEY_FILE) or the environment (SALESFORCE_PRIVATE_KEY), never
from the database."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class SalesforceSettings:
    login_url: str
    client_id: str
    username: str
    private_key: str
    client_secret: str
    audience: str
    api_version: str
    timeout_seconds: float
    budget_share: float
    bulk_threshold: int
    max_retries: int
    retry_base_seconds: float
    retry_max_seconds: float
    bulk_poll_seconds: float
    bulk_max_wait_seconds: float
    limit_cooldown_seconds: int
    limit_short_cooldown_seconds: int
    describe_cache_seconds: int
    lock_seconds: int
    pull_bulk_threshold: int = 2000
    pull_bulk_page_records: int = 10000
    stage_map: tuple[tuple[str, str], ...] = ()
    lost_to_field: str = ""
    lost_reason_field: str = ""

    @property
    def is_configured(self) -> bool:
        return bool(self.login_url and self.client_id)

    @property
    def auth_flow(self) -> str:
        """'jwt' when a private key is given, else 'client_credentials' (needs the My Domain host)."""
        return "jwt" if self.private_key else "client_credentials"

    def check(self) -> None:
        """Refuse an incomplete configuration with a message naming the missing variable."""
        if not self.is_configured:
            raise ImproperlyConfigured(
                "Salesforce is not configured: set SALESFORCE_LOGIN_URL and SALESFORCE_CLIENT_ID."
            )
        if self.auth_flow == "jwt" and not self.username:
            raise ImproperlyConfigured("The JWT bearer flow needs SALESFORCE_USERNAME (the integration user).")
        if self.auth_flow == "client_credentials" and not self.client_secret:
            raise ImproperlyConfigured(
                "Set SALESFORCE_PRIVATE_KEY_FILE (JWT bearer flow) or SALESFORCE_CLIENT_SECRET (client credentials)."
            )
        if not 0 < self.budget_share <= 1:
            raise ImproperlyConfigured("SALESFORCE_BUDGET_SHARE is a fraction between 0 and 1, e.g. 0.8.")


def _private_key() -> str:
    path = getattr(settings, "SALESFORCE_PRIVATE_KEY_FILE", "")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8")
        except OSError as error:
            raise ImproperlyConfigured(f"SALESFORCE_PRIVATE_KEY_FILE {path}: {error.strerror}") from error
    # An environment variable cannot always hold newlines; accept them escaped as \n.
    return getattr(settings, "SALESFORCE_PRIVATE_KEY", "").replace("\\n", "\n")


def salesforce_settings() -> SalesforceSettings:
    login_url = getattr(settings, "SALESFORCE_LOGIN_URL", "").rstrip("/")
    return SalesforceSettings(
        login_url=login_url,
        client_id=getattr(settings, "SALESFORCE_CLIENT_ID", ""),
        username=getattr(settings, "SALESFORCE_USERNAME", ""),
        private_key=_private_key(),
        client_secret=getattr(settings, "SALESFORCE_CLIENT_SECRET", ""),
        audience=getattr(settings, "SALESFORCE_AUDIENCE", "") or login_url,
        api_version=getattr(settings, "SALESFORCE_API_VERSION", "62.0"),
        timeout_seconds=float(getattr(settings, "SALESFORCE_TIMEOUT_SECONDS", 30)),
        budget_share=float(getattr(settings, "SALESFORCE_BUDGET_SHARE", 0.8)),
        bulk_threshold=int(getattr(settings, "SALESFORCE_BULK_THRESHOLD", 2000)),
        max_retries=int(getattr(settings, "SALESFORCE_MAX_RETRIES", 5)),
        retry_base_seconds=float(getattr(settings, "SALESFORCE_RETRY_BASE_SECONDS", 1.0)),
        retry_max_seconds=float(getattr(settings, "SALESFORCE_RETRY_MAX_SECONDS", 60.0)),
        bulk_poll_seconds=float(getattr(settings, "SALESFORCE_BULK_POLL_SECONDS", 5.0)),
        bulk_max_wait_seconds=float(getattr(settings, "SALESFORCE_BULK_MAX_WAIT_SECONDS", 600.0)),
        limit_cooldown_seconds=int(getattr(settings, "SALESFORCE_LIMIT_COOLDOWN_SECONDS", 3600)),
        limit_short_cooldown_seconds=int(getattr(settings, "SALESFORCE_LIMIT_SHORT_COOLDOWN_SECONDS", 60)),
        describe_cache_seconds=int(getattr(settings, "SALESFORCE_DESCRIBE_CACHE_SECONDS", 3600)),
        lock_seconds=int(getattr(settings, "SALESFORCE_LOCK_SECONDS", 900)),
        pull_bulk_threshold=int(getattr(settings, "SALESFORCE_PULL_BULK_THRESHOLD", 2000)),
        pull_bulk_page_records=int(getattr(settings, "SALESFORCE_PULL_BULK_PAGE_RECORDS", 10000)),
        stage_map=tuple(dict(getattr(settings, "SALESFORCE_STAGE_MAP", {})).items()),
        lost_to_field=getattr(settings, "SALESFORCE_LOST_TO_FIELD", "Lost_To__c"),
        lost_reason_field=getattr(settings, "SALESFORCE_LOST_REASON_FIELD", "Loss_Reason__c"),
    )
