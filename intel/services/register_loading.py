"""Loading the shipped registers (intel/data) and the rules behind them: what the demo calls."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from crm.services import jurisdiction_get_or_create
from intel.choices import RegisterKind
from intel.models import Regulation
from intel.registers.regulations import REGULATIONS

from .registers import Progress, register_import
from .signals import regulation_save

# The registers shipped in intel/data, oldest kind first; the demo imports them.
SHIPPED_REGISTERS = (
    (RegisterKind.ESMA_MICA, "esma_casps_2026-06-25.csv"),
    (RegisterKind.JP_FSA, "register_jp-fsa_2026-06-30.csv"),
    (RegisterKind.HK_SFC, "register_hk-sfc_2026-02-13.csv"),
    (RegisterKind.SG_MAS, "register_sg-mas_2024-09-19.csv"),
    (RegisterKind.AE_VARA, "register_ae-vara_2026-03-31.csv"),
)
DATA_DIRECTORY = Path(__file__).resolve().parent.parent / "data"


@transaction.atomic
def regulations_load() -> list[str]:
    """The rules behind the registers (intel.registers.regulations), saved once: a regulation that
    exists by jurisdiction and name keeps what a person changed, and only gets a missing source."""
    lines = []
    for facts in REGULATIONS:
        jurisdiction = jurisdiction_get_or_create(code=facts.jurisdiction_code)
        regulation = Regulation.objects.filter(jurisdiction=jurisdiction, name=facts.name).first()
        if regulation is None:
            regulation_save(
                regulation=Regulation(
                    jurisdiction=jurisdiction,
                    name=facts.name,
                    short_name=facts.short_name,
                    regulator=facts.regulator,
                    effective_on=facts.effective_on,
                    pressured_statuses=list(facts.pressured_statuses),
                    consequence=facts.consequence,
                    forces_relocation=facts.forces_relocation,
                    source_url=facts.source_url,
                )
            )
            lines.append(f"{facts.short_name} ({facts.jurisdiction_code}, from {facts.effective_on}): added")
        elif not regulation.source_url:
            regulation.source_url = facts.source_url
            regulation_save(regulation=regulation)
            lines.append(f"{facts.short_name} ({facts.jurisdiction_code}): source added")
        else:
            lines.append(f"{facts.short_name} ({facts.jurisdiction_code}): already there")
    return lines


def registers_load_shipped(*, progress: Progress | None = None) -> list[str]:
    """Import the registers shipped in intel/data (each skipped once imported) and their regulations.
    One line per part."""
    lines = []
    for kind, filename in SHIPPED_REGISTERS:
        outcome = register_import(
            kind=kind, data=(DATA_DIRECTORY / filename).read_bytes(), filename=filename, progress=progress
        )
        lines.append(outcome.message)
    return [*lines, *regulations_load()]
