"""Enumerations of the evidence."""

# The labels are marked for the catalogues (gettext_noop: they stay English strings, so stored text and
# Salesforce picklists do not change); the pages translate them when shown ({% translate x.get_y_display %}).
from django.db import models
from django.utils.translation import gettext_noop


class SignalKind(models.TextChoices):
    OUTAGE = "outage", gettext_noop("Outage at a cloud vendor")
    REGULATION = "regulation", gettext_noop("Regulation")
    RELOCATION = "relocation", gettext_noop("Relocation")
    AI_INTEREST = "ai_interest", gettext_noop("AI / LLM interest")
    FUNDING = "funding", gettext_noop("Funding")
    EXECUTIVE_CHANGE = "executive_change", gettext_noop("Executive change")
    NEWS = "news", gettext_noop("News")
    MEETING = "meeting", gettext_noop("Meeting")
    CLOUD_CHANGE = "cloud_change", gettext_noop("Cloud footprint change")
    LICENCE_CHANGE = "licence_change", gettext_noop("Licence change (register)")


class MatchMethod(models.TextChoices):
    EMAIL_DOMAIN = "email_domain", gettext_noop("Email domain")
    ALIAS = "alias", gettext_noop("Known alias")
    FUZZY_NAME = "fuzzy_name", gettext_noop("Similar name")
    MANUAL = "manual", gettext_noop("Chosen by a rep")
    CLOUD_VENDOR = "cloud_vendor", gettext_noop("Works for a cloud vendor")
    NONE = "none", gettext_noop("No match")


class MatchStatus(models.TextChoices):
    MATCHED = "matched", gettext_noop("Matched")
    REVIEW = "review", gettext_noop("Needs review")
    NOT_AN_EXCHANGE = "not_exchange", gettext_noop("Not an exchange")
    UNMATCHED = "unmatched", gettext_noop("No exchange found")


class AliasKind(models.TextChoices):
    NAME = "name", gettext_noop("Company name")
    DOMAIN = "domain", gettext_noop("Email / web domain")


class MarketSource(models.TextChoices):
    COINGECKO = "coingecko", "CoinGecko"


class RegisterKind(models.TextChoices):
    """The regulators' registers the product reads (`import_register KIND FILE`)."""

    ESMA_MICA = "esma-mica", gettext_noop("ESMA interim MiCA register (CASPs)")
    JP_FSA = "jp-fsa", gettext_noop("Japan FSA register of crypto-asset exchange service providers")
    HK_SFC = "hk-sfc", gettext_noop("Hong Kong SFC licensed virtual asset trading platforms")
    SG_MAS = "sg-mas", gettext_noop("Singapore MAS digital payment token service licensees")
    AE_VARA = "ae-vara", gettext_noop("Dubai VARA licensed virtual asset service providers")
