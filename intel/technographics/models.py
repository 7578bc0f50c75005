"""The cloud footprint: an exchange's public hosts, the addresses they resolve to, and each run's verdict."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from crm.models import CloudVendor, Exchange
from intel.models import Signal
from intel.technographics.choices import EndpointRole, EndpointSource

HOST_PATTERN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$")


def validate_host(value: str) -> None:
    if not HOST_PATTERN.match(value or ""):
        raise ValidationError(
            "%(value)s is not a host name (e.g. api.example.com: letters, digits, dots and hyphens).",
            params={"value": value},
            code="invalid_host",
        )


class Endpoint(models.Model):
    """A public host of an exchange worth checking: its website, an API or a websocket host."""

    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="endpoints")
    host = models.CharField(max_length=253, validators=[validate_host])
    role = models.CharField(max_length=10, choices=EndpointRole.choices)
    source = models.CharField(max_length=10, choices=EndpointSource.choices, default=EndpointSource.REP)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True, help_text="Why the last resolution failed.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["exchange__name", "role", "host"]
        constraints = [
            models.UniqueConstraint(
                fields=["exchange", "host"],
                name="endpoint_unique_host_per_exchange",
                violation_error_message="This exchange already has this host.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.host} ({self.get_role_display()})"


class EndpointAddress(models.Model):
    """An address a host resolved to at its last check, and who answers there."""

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="addresses")
    ip = models.GenericIPAddressField("IP address")
    ip_version = models.PositiveSmallIntegerField(choices=[(4, "IPv4"), (6, "IPv6")])
    provider_key = models.CharField(max_length=30, blank=True, help_text="Blank: no range table knows it.")
    provider_name = models.CharField(max_length=100, blank=True)
    is_front_door = models.BooleanField(default=False, help_text="A CDN / DDoS front: the origin is unknown.")
    vendor = models.ForeignKey(CloudVendor, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    region = models.CharField(max_length=50, blank=True)
    asn = models.PositiveIntegerField("AS number", null=True, blank=True)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()

    class Meta:
        ordering = ["endpoint", "ip_version", "ip"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "ip"],
                name="endpoint_address_unique",
                violation_error_message="This host already has this address.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ip} ({self.provider_name or 'unknown'})"


class CloudDetection(models.Model):
    """One cloud-detection run for an exchange: what it concluded, what it disagreed with, what changed."""

    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="cloud_detections")
    checked_at = models.DateTimeField()
    hosts_checked = models.PositiveIntegerField(default=0)
    hosts_failed = models.PositiveIntegerField(default=0)
    api_providers = models.JSONField(
        default=list, blank=True, help_text="The clouds the API hosts run on (provider keys), to spot a move."
    )
    findings = models.JSONField(default=list, blank=True, help_text="Inferred vendor, place, share, basis, hosts.")
    front_doors = models.JSONField(default=list, blank=True, help_text="Sentences: 'host: front door on X'.")
    disagreements = models.JSONField(default=list, blank=True, help_text="Sentences a rep reads.")
    notes = models.JSONField(default=list, blank=True, help_text="Why an inference was not written.")
    allocations_written = models.PositiveIntegerField(default=0)
    summary = models.CharField(max_length=300, blank=True)
    signal = models.ForeignKey(Signal, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    tables_built_on = models.CharField(max_length=20, blank=True, help_text="Date of the range tables used.")

    class Meta:
        ordering = ["-checked_at", "-pk"]
        indexes = [models.Index(fields=["exchange", "-checked_at"], name="cloud_detection_latest")]

    def __str__(self) -> str:
        return f"{self.exchange}: {self.summary} ({self.checked_at:%Y-%m-%d})"
