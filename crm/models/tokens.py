"""API tokens: named, hashed credentials a user (or a service account) gives to a sales tool."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from crm.choices import TokenAccess

# The visible start of a key, kept in clear so a user can tell their tokens apart.
KEY_PREFIX_LENGTH = 8
KEY_SCHEME = "ei"


def hash_key(key: str) -> str:
    """Keys are 256 random bits, so one round of SHA-256 is enough (no password stretching needed)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self) -> "ApiTokenQuerySet":
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    """A named API key of one user, read-only or read-write; only its hash is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What it is for, e.g. 'Salesforce sync'.")
    access = models.CharField(max_length=10, choices=TokenAccess.choices, default=TokenAccess.READ)
    key_prefix = models.CharField(max_length=KEY_PREFIX_LENGTH, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"],
                condition=models.Q(revoked_at__isnull=True),
                name="api_token_unique_active_name",
                violation_error_message="You already have an active token with this name.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…, {self.get_access_display()})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def is_read_only(self) -> bool:
        return self.access == TokenAccess.READ

    @staticmethod
    def generate_key() -> tuple[str, str, str]:
        """A new key, its clear prefix and its hash. The key itself is shown once and never stored."""
        prefix = secrets.token_hex(KEY_PREFIX_LENGTH // 2)
        key = f"{KEY_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
        return key, prefix, hash_key(key)

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])
