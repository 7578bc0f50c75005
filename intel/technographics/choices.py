"""Enumerations of the cloud footprint."""

from django.db import models

from crm.choices import EVIDENCE_STRENGTH, EvidenceSource


class EndpointRole(models.TextChoices):
    WEBSITE = "website", "Website"
    API = "api", "API"
    WEBSOCKET = "websocket", "Websocket"


class EndpointSource(models.TextChoices):
    CATALOGUE = "catalogue", "Exchange catalogue"
    REP = "rep", "Added by a rep"


class InferenceBasis(models.TextChoices):
    """What an inferred allocation stands on, strongest first (a front door stands on nothing)."""

    API_ON_CLOUD = "api_on_cloud", "API host on a cloud range"
    WEBSITE_ON_CLOUD = "website_on_cloud", "Website on a cloud range"
    FRONT_DOOR = "front_door", "Behind a CDN / DDoS front door"


# The confidence an inferred allocation is saved with. An API host on a cloud range is what the
# product calls IP inference; a website says less about where the trading engine runs; a front
# door says nothing about the origin, so it never becomes an allocation.
INFERENCE_CONFIDENCE: dict[str, int] = {
    InferenceBasis.API_ON_CLOUD: EVIDENCE_STRENGTH[EvidenceSource.IP_INFERENCE],
    InferenceBasis.WEBSITE_ON_CLOUD: 40,
    InferenceBasis.FRONT_DOOR: 0,
}
