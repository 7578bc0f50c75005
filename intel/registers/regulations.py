"""The rules behind the registers, with their dates and the licence statuses they put under
pressure (sources: intel/data/registers.ATTRIBUTION.md and each regulation's source URL)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from crm.choices import LicenceStatus


@dataclass(frozen=True)
class RegulationFacts:
    jurisdiction_code: str
    name: str
    short_name: str
    regulator: str
    effective_on: datetime.date
    pressured_statuses: tuple[str, ...]
    consequence: str
    forces_relocation: bool
    source_url: str


REGULATIONS = (
    RegulationFacts(
        jurisdiction_code="EU",
        name="MiCA transitional period ends (Markets in Crypto-Assets Regulation (EU) 2023/1114)",
        short_name="MiCA transition ends",
        regulator="ESMA and the national competent authorities",
        effective_on=datetime.date(2026, 7, 1),
        # Firms still applying lose the grandfathering too: pending is as exposed as unlicensed.
        pressured_statuses=(LicenceStatus.UNLICENSED, LicenceStatus.PENDING),
        consequence=(
            "a CASP without MiCA authorisation must stop serving EU clients, or be authorised through an "
            "EU entity (ESMA75-113276571-1679)"
        ),
        forces_relocation=True,
        source_url="https://www.esma.europa.eu/sites/default/files/2024-12/CASPS.csv",
    ),
    RegulationFacts(
        jurisdiction_code="SG",
        # The same name as intel.demo.load_singapore, so the two never make two rows.
        name="Digital token service provider (DTSP) regime, Financial Services and Markets Act 2022",
        short_name="DTSP regime",
        regulator="Monetary Authority of Singapore (MAS)",
        effective_on=datetime.date(2025, 6, 30),
        pressured_statuses=(LicenceStatus.UNLICENSED, LicenceStatus.PENDING),
        consequence="must stop serving clients outside Singapore or leave",
        forces_relocation=True,
        source_url="https://investment-international.com/?p=44141",
    ),
    RegulationFacts(
        jurisdiction_code="HK",
        name="Licensing of virtual asset trading platforms (SFC, AMLO): only licensed or deemed-licensed platforms",
        short_name="VATP licensing",
        regulator="Securities and Futures Commission of Hong Kong (SFC)",
        effective_on=datetime.date(2024, 6, 1),
        # A deemed-licensed platform (pending) operates only until the SFC decides.
        pressured_statuses=(LicenceStatus.UNLICENSED, LicenceStatus.PENDING),
        consequence="a platform neither licensed nor deemed licensed must stop serving Hong Kong",
        forces_relocation=False,
        source_url="https://mftkaraj.com/1068.html",
    ),
    RegulationFacts(
        jurisdiction_code="JP",
        # The Payment Services Act's crypto-asset chapter came into force on 2017-04-01.
        name="Registration of crypto-asset exchange service providers (Payment Services Act)",
        short_name="FSA registration",
        regulator="Financial Services Agency of Japan (FSA)",
        effective_on=datetime.date(2017, 4, 1),
        pressured_statuses=(LicenceStatus.UNLICENSED,),
        consequence="an operator without FSA registration may not serve residents of Japan (FSA warning letters)",
        forces_relocation=False,
        source_url="https://www.fsa.go.jp/menkyo/menkyoj/kasoutuka.xlsx",
    ),
)
