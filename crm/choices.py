"""Enumerations of the account book."""

# The labels are marked for the catalogues (gettext_noop: they stay English strings, so stored text and
# Salesforce picklists do not change); the pages translate them when shown ({% translate x.get_y_display %}).
from django.db import models
from django.utils.translation import gettext_noop


class VendorKind(models.TextChoices):
    HYPERSCALER = "hyperscaler", gettext_noop("Hyperscaler")
    REGIONAL = "regional", gettext_noop("Regional cloud")
    TELCO = "telco", gettext_noop("Telco cloud")
    OTHER = "other", gettext_noop("Other")


class ExchangeKind(models.TextChoices):
    CENTRALISED = "centralised", gettext_noop("Centralised exchange")
    DECENTRALISED = "decentralised", gettext_noop("Decentralised exchange")
    BROKER = "broker", gettext_noop("Broker")
    OTHER = "other", gettext_noop("Other")


class SizeTier(models.TextChoices):
    UNKNOWN = "unknown", gettext_noop("Unknown")
    SMALL = "small", gettext_noop("Small")
    MID = "mid", gettext_noop("Mid-size")
    LARGE = "large", gettext_noop("Large")


class Stage(models.TextChoices):
    PROSPECT = "prospect", gettext_noop("Prospect")
    QUALIFIED = "qualified", gettext_noop("Qualified")
    OPPORTUNITY = "opportunity", gettext_noop("Opportunity")
    CUSTOMER = "customer", gettext_noop("Customer")
    LOST = "lost", gettext_noop("Lost")


class LicenceStatus(models.TextChoices):
    LICENSED = "licensed", gettext_noop("Licensed")
    REGISTERED = "registered", gettext_noop("Registered")
    PENDING = "pending", gettext_noop("Pending")
    UNLICENSED = "unlicensed", gettext_noop("Unlicensed")
    EXITING = "exiting", gettext_noop("Exiting")
    BANNED = "banned", gettext_noop("Banned")
    UNKNOWN = "unknown", gettext_noop("Unknown")


class FactOrigin(models.TextChoices):
    """Where a fact about an exchange comes from: a person's entry wins over an import."""

    CATALOGUE = "catalogue", gettext_noop("Exchange catalogue")
    REGISTER = "register", gettext_noop("Regulator's register")
    PERSON = "person", gettext_noop("Entered by a person")
    GENERATED = "generated", gettext_noop("Generated (demo)")


class Workload(models.TextChoices):
    ALL = "all", gettext_noop("All workloads")
    TRADING_ENGINE = "trading_engine", gettext_noop("Trading engine")
    MARKET_DATA = "market_data", gettext_noop("Market data")
    WALLETS = "wallets", gettext_noop("Wallets")
    BACK_OFFICE = "back_office", gettext_noop("KYC / back office")
    AI = "ai", gettext_noop("AI / LLM")


class EvidenceSource(models.TextChoices):
    """Where an allocation figure comes from, strongest first."""

    SELF_PUBLISHED = "self_published", gettext_noop("Self-published")
    REP_CONFIRMED = "rep_confirmed", gettext_noop("Confirmed by the account")
    VENDOR_CASE_STUDY = "vendor_case_study", gettext_noop("Vendor case study")
    NEWS = "news", gettext_noop("News report")
    IP_INFERENCE = "ip_inference", gettext_noop("IP inference")
    REP_ESTIMATE = "rep_estimate", gettext_noop("Rep estimate")
    LATENCY_HINT = "latency_hint", gettext_noop("Latency hint (unverified)")
    GENERATED = "generated", gettext_noop("Generated (demo)")


# How much an evidence source is worth, 0..100: the default confidence of an
# allocation, and the rule that weaker evidence never overwrites stronger.
EVIDENCE_STRENGTH: dict[str, int] = {
    EvidenceSource.SELF_PUBLISHED: 95,
    EvidenceSource.REP_CONFIRMED: 90,
    EvidenceSource.VENDOR_CASE_STUDY: 85,
    EvidenceSource.NEWS: 65,
    EvidenceSource.IP_INFERENCE: 60,
    EvidenceSource.REP_ESTIMATE: 45,
    EvidenceSource.LATENCY_HINT: 20,
    EvidenceSource.GENERATED: 10,
}


class ContactRole(models.TextChoices):
    C_LEVEL = "c_level", gettext_noop("C-level")
    HEAD_OF_INFRA = "head_of_infra", gettext_noop("VP / head of infrastructure")
    ENGINEER = "engineer", gettext_noop("Engineer")
    BUSINESS = "business", gettext_noop("Business")
    OTHER = "other", gettext_noop("Other")


class ActivityKind(models.TextChoices):
    CALL = "call", gettext_noop("Call")
    MEETING = "meeting", gettext_noop("Meeting")
    EMAIL = "email", gettext_noop("Email")
    NOTE = "note", gettext_noop("Note")


# What has happened by the time it is logged: only a meeting may be planned ahead.
PAST_ONLY_ACTIVITY_KINDS = frozenset({ActivityKind.CALL, ActivityKind.EMAIL, ActivityKind.NOTE})


class RepRole(models.TextChoices):
    REP = "rep", gettext_noop("Rep")
    MANAGER = "manager", gettext_noop("Manager")


class TokenAccess(models.TextChoices):
    READ = "read", gettext_noop("Read only")
    WRITE = "write", gettext_noop("Read and write")


class Language(models.TextChoices):
    """The languages the pages speak (settings.LANGUAGES lists the same)."""

    ENGLISH = "en", "English"
    JAPANESE = "ja", "日本語"
    CHINESE_SIMPLIFIED = "zh-hans", "简体中文"
