"""Who publishes each register, for which jurisdiction, where, and how a presence cites it."""

from __future__ import annotations

import datetime

from intel.choices import RegisterKind

# The jurisdiction a register speaks for. ESMA's also passports each firm to its home and host
# member states (see jurisdiction_codes).
JURISDICTIONS = {
    RegisterKind.ESMA_MICA: "EU",
    RegisterKind.JP_FSA: "JP",
    RegisterKind.HK_SFC: "HK",
    RegisterKind.SG_MAS: "SG",
    RegisterKind.AE_VARA: "AE",
}
AUTHORITIES = {
    RegisterKind.ESMA_MICA: "European Securities and Markets Authority (ESMA)",
    RegisterKind.JP_FSA: "Financial Services Agency of Japan (FSA)",
    RegisterKind.HK_SFC: "Securities and Futures Commission of Hong Kong (SFC)",
    RegisterKind.SG_MAS: "Monetary Authority of Singapore (MAS)",
    RegisterKind.AE_VARA: "Dubai Virtual Assets Regulatory Authority (VARA)",
}
# Where each regulator publishes its register (ESMA and the FSA publish files; the SFC, MAS and
# VARA publish web lists without a file; see intel/data/registers.ATTRIBUTION.md).
SOURCE_URLS = {
    RegisterKind.ESMA_MICA: "https://www.esma.europa.eu/sites/default/files/2024-12/CASPS.csv",
    RegisterKind.JP_FSA: "https://www.fsa.go.jp/menkyo/menkyoj/kasoutuka.xlsx",
    RegisterKind.HK_SFC: "https://apps.sfc.hk/",
    RegisterKind.SG_MAS: "https://eservices.mas.gov.sg/fid",
    RegisterKind.AE_VARA: "https://www.vara.ae/",
}
SOURCE_NAMES = {
    RegisterKind.ESMA_MICA: "ESMA interim MiCA register (CASPS.csv)",
    RegisterKind.JP_FSA: "Japan FSA register of crypto-asset exchange service providers",
    RegisterKind.HK_SFC: "SFC lists of virtual asset trading platforms",
    RegisterKind.SG_MAS: "MAS Financial Institutions Directory (DPT service MPIs)",
    RegisterKind.AE_VARA: "VARA licensed virtual asset service providers",
}


def register_source(*, kind: str, filename: str, as_of: datetime.date) -> str:
    """How a presence cites a reading: 'ESMA interim MiCA register (CASPS.csv), 2026-06-25'; a
    transcription says so and names its file."""
    name = SOURCE_NAMES.get(kind, kind)
    if kind != RegisterKind.ESMA_MICA and filename.lower().endswith(".csv"):
        name = f"{name}, transcribed ({filename})"
    return f"{name}, {as_of:%Y-%m-%d}"[:300]


def jurisdiction_codes(*, kind: str, home_state: str = "", host_states=()) -> list[str]:
    """The jurisdictions an entry is a reading for: ESMA's are the EU and the firm's home and host
    states; the others, the regulator's own."""
    codes = [JURISDICTIONS[kind]]
    if kind == RegisterKind.ESMA_MICA:
        codes += [home_state, *host_states]
    return list(dict.fromkeys(code for code in codes if code))
