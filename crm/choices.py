"""Enumerations of the account book."""

from django.db import models


class VendorKind(models.TextChoices):
    HYPERSCALER = "hyperscaler", "Hyperscaler"
    REGIONAL = "regional", "Regional cloud"
    TELCO = "telco", "Telco cloud"
    OTHER = "other", "Other"


class ExchangeKind(models.TextChoices):
    CENTRALISED = "centralised", "Centralised exchange"
    DECENTRALISED = "decentralised", "Decentralised exchange"
    BROKER = "broker", "Broker"
    OTHER = "other", "Other"


class SizeTier(models.TextChoices):
    UNKNOWN = "unknown", "Unknown"
    SMALL = "small", "Small"
    MID = "mid", "Mid-size"
    LARGE = "large", "Large"


class Stage(models.TextChoices):
    PROSPECT = "prospect", "Prospect"
    QUALIFIED = "qualified", "Qualified"
    OPPORTUNITY = "opportunity", "Opportunity"
    CUSTOMER = "customer", "Customer"
    LOST = "lost", "Lost"


class LicenceStatus(models.TextChoices):
    LICENSED = "licensed", "Licensed"
    REGISTERED = "registered", "Registered"
    PENDING = "pending", "Pending"
    UNLICENSED = "unlicensed", "Unlicensed"
    EXITING = "exiting", "Exiting"
    BANNED = "banned", "Banned"
    UNKNOWN = "unknown", "Unknown"


class FactOrigin(models.TextChoices):
    """Where a fact about an exchange comes from: a person's entry wins over an import."""

    CATALOGUE = "catalogue", "Exchange catalogue"
    REGISTER = "register", "Regulator's register"
    PERSON = "person", "Entered by a person"
    GENERATED = "generated", "Generated (demo)"


class Workload(models.TextChoices):
    ALL = "all", "All workloads"
    TRADING_ENGINE = "trading_engine", "Trading engine"
    MARKET_DATA = "market_data", "Market data"
    WALLETS = "wallets", "Wallets"
    BACK_OFFICE = "back_office", "KYC / back office"
    AI = "ai", "AI / LLM"


class EvidenceSource(models.TextChoices):
    """Where an allocation figure comes from, strongest first."""

    SELF_PUBLISHED = "self_published", "Self-published"
    REP_CONFIRMED = "rep_confirmed", "Confirmed by the account"
    VENDOR_CASE_STUDY = "vendor_case_study", "Vendor case study"
    NEWS = "news", "News report"
    IP_INFERENCE = "ip_inference", "IP inference"
    REP_ESTIMATE = "rep_estimate", "Rep estimate"
    LATENCY_HINT = "latency_hint", "Latency hint (unverified)"
    GENERATED = "generated", "Generated (demo)"


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
    C_LEVEL = "c_level", "C-level"
    HEAD_OF_INFRA = "head_of_infra", "VP / head of infrastructure"
    ENGINEER = "engineer", "Engineer"
    BUSINESS = "business", "Business"
    OTHER = "other", "Other"


class ActivityKind(models.TextChoices):
    CALL = "call", "Call"
    MEETING = "meeting", "Meeting"
    EMAIL = "email", "Email"
    NOTE = "note", "Note"


# What has happened by the time it is logged: only a meeting may be planned ahead.
PAST_ONLY_ACTIVITY_KINDS = frozenset({ActivityKind.CALL, ActivityKind.EMAIL, ActivityKind.NOTE})


class RepRole(models.TextChoices):
    REP = "rep", "Rep"
    MANAGER = "manager", "Manager"


class TokenAccess(models.TextChoices):
    READ = "read", "Read only"
    WRITE = "write", "Read and write"


class Language(models.TextChoices):
    """The languages the pages speak (settings.LANGUAGES lists the same)."""

    ENGLISH = "en", "English"
    JAPANESE = "ja", "日本語"
    CHINESE_SIMPLIFIED = "zh-hans", "简体中文"
