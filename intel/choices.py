"""Enumerations of the evidence."""

from django.db import models


class SignalKind(models.TextChoices):
    OUTAGE = "outage", "Outage at a cloud vendor"
    REGULATION = "regulation", "Regulation"
    RELOCATION = "relocation", "Relocation"
    AI_INTEREST = "ai_interest", "AI / LLM interest"
    FUNDING = "funding", "Funding"
    EXECUTIVE_CHANGE = "executive_change", "Executive change"
    NEWS = "news", "News"
    MEETING = "meeting", "Meeting"
    CLOUD_CHANGE = "cloud_change", "Cloud footprint change"
    LICENCE_CHANGE = "licence_change", "Licence change (register)"


class MatchMethod(models.TextChoices):
    EMAIL_DOMAIN = "email_domain", "Email domain"
    ALIAS = "alias", "Known alias"
    FUZZY_NAME = "fuzzy_name", "Similar name"
    MANUAL = "manual", "Chosen by a rep"
    CLOUD_VENDOR = "cloud_vendor", "Works for a cloud vendor"
    NONE = "none", "No match"


class MatchStatus(models.TextChoices):
    MATCHED = "matched", "Matched"
    REVIEW = "review", "Needs review"
    NOT_AN_EXCHANGE = "not_exchange", "Not an exchange"
    UNMATCHED = "unmatched", "No exchange found"


class AliasKind(models.TextChoices):
    NAME = "name", "Company name"
    DOMAIN = "domain", "Email / web domain"


class MarketSource(models.TextChoices):
    COINGECKO = "coingecko", "CoinGecko"


class RegisterKind(models.TextChoices):
    """The regulators' registers the product reads (`import_register KIND FILE`)."""

    ESMA_MICA = "esma-mica", "ESMA interim MiCA register (CASPs)"
    JP_FSA = "jp-fsa", "Japan FSA register of crypto-asset exchange service providers"
    HK_SFC = "hk-sfc", "Hong Kong SFC licensed virtual asset trading platforms"
    SG_MAS = "sg-mas", "Singapore MAS digital payment token service licensees"
    AE_VARA = "ae-vara", "Dubai VARA licensed virtual asset service providers"
