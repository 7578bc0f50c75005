"""Serializers of the cloud footprint (read-only: they render footprint.ExchangeFootprint)."""

from rest_framework import serializers


class AddressFootprintSerializer(serializers.Serializer):
    ip = serializers.CharField()
    ip_version = serializers.IntegerField()
    provider_key = serializers.CharField(help_text="Blank: no range table knows the address.")
    provider = serializers.CharField()
    is_front_door = serializers.BooleanField(help_text="A CDN / DDoS front: the origin behind it is unknown.")
    vendor_slug = serializers.CharField()
    region = serializers.CharField()
    asn = serializers.IntegerField(allow_null=True)
    description = serializers.CharField()
    first_seen_at = serializers.DateTimeField()
    last_seen_at = serializers.DateTimeField()


class HostFootprintSerializer(serializers.Serializer):
    host = serializers.CharField()
    role = serializers.CharField()
    source = serializers.CharField()
    last_checked_at = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField()
    addresses = AddressFootprintSerializer(many=True)


class FindingSerializer(serializers.Serializer):
    provider = serializers.CharField()
    vendor = serializers.CharField()
    place = serializers.CharField()
    region = serializers.CharField()
    share_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    confidence = serializers.IntegerField()
    basis = serializers.CharField()
    hosts = serializers.ListField(child=serializers.CharField())
    hosts_of_basis = serializers.IntegerField()


class VerdictFootprintSerializer(serializers.Serializer):
    checked_at = serializers.DateTimeField()
    summary = serializers.CharField()
    findings = FindingSerializer(many=True)
    front_doors = serializers.ListField(child=serializers.CharField())
    disagreements = serializers.ListField(child=serializers.CharField())
    notes = serializers.ListField(child=serializers.CharField())
    hosts_checked = serializers.IntegerField()
    hosts_failed = serializers.IntegerField()
    tables_built_on = serializers.CharField()


class TablesSourceSerializer(serializers.Serializer):
    name = serializers.CharField()
    version = serializers.CharField()
    date = serializers.CharField()
    licence = serializers.CharField()


class ExchangeFootprintSerializer(serializers.Serializer):
    exchange_id = serializers.IntegerField()
    exchange_slug = serializers.CharField()
    hosts = HostFootprintSerializer(many=True)
    latest = VerdictFootprintSerializer(allow_null=True)
    tables_built_on = serializers.CharField()
    tables_sources = TablesSourceSerializer(many=True)
