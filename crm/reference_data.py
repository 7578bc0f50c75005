"""Reference data the product ships with: the cloud vendors, their regions and the jurisdictions that matter.

Figures are as reported, with their source; the seed migration and `load_demo` both use it. The
vendors' regions are a data file (crm/data/cloud_regions.csv, attributed in
crm/data/cloud_regions.ATTRIBUTION.md), read here; crm.regions reads what people write about them."""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

IDC_SOURCE = "IDC, China public-cloud IaaS 2H2024 (published 2025-04-30), as reported"

VENDORS: list[dict] = [
    {
        "slug": "alibaba-cloud",
        "name": "Alibaba Cloud",
        "kind": "regional",
        "hq_country": "CN",
        "website": "https://www.alibabacloud.com",
        "market_note": f"#1 in China public-cloud IaaS ({IDC_SOURCE})",
    },
    {
        "slug": "huawei-cloud",
        "name": "Huawei Cloud",
        "kind": "regional",
        "hq_country": "CN",
        "website": "https://www.huaweicloud.com",
        "market_note": f"#2 in China public-cloud IaaS ({IDC_SOURCE})",
    },
    {
        "slug": "china-telecom-cloud",
        "name": "China Telecom Cloud (Tianyi)",
        "kind": "telco",
        "hq_country": "CN",
        "website": "https://www.ctyun.cn",
        "market_note": f"#3 in China public-cloud IaaS ({IDC_SOURCE})",
    },
    {
        "slug": "china-mobile-ecloud",
        "name": "China Mobile Ecloud",
        "kind": "telco",
        "hq_country": "CN",
        "website": "https://ecloud.10086.cn",
        "market_note": f"#4 in China public-cloud IaaS ({IDC_SOURCE})",
    },
    {
        "slug": "tencent-cloud",
        "name": "Tencent Cloud",
        "kind": "regional",
        "hq_country": "CN",
        "website": "https://www.tencentcloud.com",
        "market_note": f"#5 in China public-cloud IaaS ({IDC_SOURCE})",
    },
    {
        "slug": "aws",
        "name": "AWS",
        "kind": "hyperscaler",
        "hq_country": "US",
        "website": "https://aws.amazon.com",
        "market_note": "2022 report (Pinwan): crypto firms were over a third of AWS China's revenue",
    },
    {
        "slug": "google-cloud",
        "name": "Google Cloud",
        "kind": "hyperscaler",
        "hq_country": "US",
        "website": "https://cloud.google.com",
        "market_note": "",
    },
    {
        "slug": "microsoft-azure",
        "name": "Microsoft Azure",
        "kind": "hyperscaler",
        "hq_country": "US",
        "website": "https://azure.microsoft.com",
        "market_note": "",
    },
    {
        "slug": "oracle-cloud",
        "name": "Oracle Cloud",
        "kind": "hyperscaler",
        "hq_country": "US",
        "website": "https://www.oracle.com/cloud/",
        "market_note": "",
    },
    {
        "slug": "self-hosted",
        "name": "Self-hosted / colocation",
        "kind": "other",
        "hq_country": "",
        "website": "",
        "market_note": "The exchange runs its own hardware or rents colocation space.",
    },
]

# code -> (regulator, is_major, is_banned). Names come from pycountry.
JURISDICTIONS: dict[str, tuple[str, bool, bool]] = {
    "SG": ("Monetary Authority of Singapore (MAS)", True, False),
    "JP": ("Financial Services Agency (FSA)", True, False),
    "HK": ("Securities and Futures Commission (SFC)", True, False),
    "US": ("SEC / CFTC / FinCEN and state regulators", True, False),
    "GB": ("Financial Conduct Authority (FCA)", True, False),
    "EU": ("National regulators under MiCA (ESMA)", True, False),
    "AE": ("Virtual Assets Regulatory Authority (VARA)", True, False),
    "KR": ("Financial Services Commission (FSC)", True, False),
    "AU": ("AUSTRAC / ASIC", True, False),
    "CH": ("FINMA", True, False),
    "CN": ("People's Bank of China (crypto trading and mining banned)", False, True),
    "KY": ("Cayman Islands Monetary Authority (CIMA)", False, False),
    "VG": ("BVI Financial Services Commission", False, False),
    "SC": ("Seychelles Financial Services Authority", False, False),
    "MT": ("Malta Financial Services Authority (MFSA)", False, False),
    "TH": ("Securities and Exchange Commission (SEC)", False, False),
    "ID": ("Financial Services Authority (OJK)", False, False),
    "IN": ("Financial Intelligence Unit (FIU-IND)", False, False),
    "TR": ("Capital Markets Board (SPK)", False, False),
    "BR": ("Banco Central do Brasil", False, False),
    "CA": ("Canadian Securities Administrators (CSA)", False, False),
    "LT": ("Bank of Lithuania", False, False),
    "EE": ("Financial Intelligence Unit (FIU)", False, False),
    "TW": ("Financial Supervisory Commission (FSC)", False, False),
    "PH": ("Bangko Sentral ng Pilipinas", False, False),
}


REGIONS_PATH = Path(__file__).resolve().parent / "data" / "cloud_regions.csv"
REGIONS_SOURCE = "The vendors' public region lists, as published by the vendor, compiled 2026-12-01"


@dataclass(frozen=True)
class VendorRegion:
    vendor: str  # the vendor's slug
    code: str  # as the vendor spells it
    name: str
    city: str
    country: str  # ISO 3166-1 alpha-2
    aliases: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """ "ap-northeast-1 (Tokyo)": the code with where it is."""
        return f"{self.code} ({self.city})" if self.city else self.code


@functools.cache
def vendor_regions() -> tuple[VendorRegion, ...]:
    """Every region of the catalogue file, in its order."""
    with REGIONS_PATH.open(encoding="utf-8", newline="") as handle:
        return tuple(
            VendorRegion(
                vendor=row["vendor"].strip(),
                code=row["code"].strip(),
                name=row["name"].strip(),
                city=row["city"].strip(),
                country=row["country"].strip(),
                aliases=tuple(alias.strip() for alias in (row["aliases"] or "").split("|") if alias.strip()),
            )
            for row in csv.DictReader(handle)
        )
