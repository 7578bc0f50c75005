"""Regulators' registers: reading their files (pure), matching their firms to exchanges, and what
changed between two readings. The writes are in intel.services.registers."""

from __future__ import annotations

import datetime

from intel.choices import RegisterKind
from intel.registers.esma import parse_esma
from intel.registers.records import ParsedRegister, RegisterFileError, RegisterRecord, date_in_filename
from intel.registers.transcription import finish, is_xlsx, parse_fsa_xlsx, parse_transcription

__all__ = ["ParsedRegister", "RegisterFileError", "RegisterRecord", "parse_register"]


def parse_register(*, kind: str, data: bytes, filename: str = "", as_of: datetime.date | None = None) -> ParsedRegister:
    """Read a register file of this kind. Its date is `as_of`, else the file's own (ESMA's newest
    update, the FSA sheet's 現在 date), else the date in its name; none of them: RegisterFileError
    (unless rows are rejected: those are reported first)."""
    if kind not in RegisterKind.values:
        raise RegisterFileError(f"Unknown register {kind!r}; use one of: {', '.join(RegisterKind.values)}.")
    if kind == RegisterKind.ESMA_MICA:
        parsed = parse_esma(data, as_of=as_of or None)
        if parsed.as_of is None:
            parsed = parse_esma(data, as_of=date_in_filename(filename))
    elif is_xlsx(data):
        if kind != RegisterKind.JP_FSA:
            raise RegisterFileError(f"An Excel file is only read for the Japan FSA register, not for {kind}.")
        parsed = parse_fsa_xlsx(data)
    else:
        parsed = parse_transcription(data)
    if kind != RegisterKind.ESMA_MICA:
        day = as_of or parsed.as_of or date_in_filename(filename)
        if day is not None:
            parsed = finish(parsed, as_of=day)
    if parsed.as_of is None and not parsed.problems:
        raise RegisterFileError(
            "The register's date is neither in the file nor in its name (e.g. register_jp-fsa_2026-06-30.csv): "
            "give it (--as-of YYYY-MM-DD)."
        )
    return parsed
