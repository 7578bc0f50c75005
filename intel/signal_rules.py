"""What each kind of signal must name. Pure. (Which exchanges an outage reaches: intel.outages.)"""

from __future__ import annotations

from intel.choices import SignalKind

# kind -> what it must name: "vendor", "jurisdiction", "exchange", or "exchange_or_vendor".
REQUIREMENTS: dict[str, tuple[str, ...]] = {
    SignalKind.OUTAGE: ("vendor",),
    SignalKind.REGULATION: ("jurisdiction",),
    SignalKind.RELOCATION: ("exchange",),
    SignalKind.AI_INTEREST: ("exchange",),
    SignalKind.FUNDING: ("exchange",),
    SignalKind.EXECUTIVE_CHANGE: ("exchange_or_vendor",),
    SignalKind.NEWS: (),
    SignalKind.MEETING: ("exchange",),
    SignalKind.CLOUD_CHANGE: ("exchange", "vendor"),
    SignalKind.LICENCE_CHANGE: ("exchange", "jurisdiction"),
}
# A rep's own meeting is its own source; everything else says where it comes from.
KINDS_WITHOUT_SOURCE = frozenset({SignalKind.MEETING})


def signal_problems(
    *,
    kind: str,
    title: str,
    has_vendor: bool,
    has_jurisdiction: bool,
    exchange_count: int,
    has_source: bool,
    severity: int,
) -> dict[str, str]:
    """Field -> what is wrong, for a signal of this kind; empty when it is valid."""
    if kind not in REQUIREMENTS:
        return {"kind": f"Unknown kind {kind!r}; use one of: {', '.join(REQUIREMENTS)}."}
    label = SignalKind(kind).label.lower()
    problems: dict[str, str] = {}
    if not title.strip():
        problems["title"] = "A signal needs a title."
    if not 1 <= severity <= 5:
        problems["severity"] = f"Severity is 1 (minor) to 5 (critical), not {severity}."
    for requirement in REQUIREMENTS[kind]:
        if requirement == "vendor" and not has_vendor:
            problems["vendor"] = f"A signal of kind '{label}' must name the cloud vendor."
        elif requirement == "jurisdiction" and not has_jurisdiction:
            problems["jurisdiction"] = f"A signal of kind '{label}' must name the jurisdiction."
        elif requirement == "exchange" and exchange_count == 0:
            problems["exchanges"] = f"A signal of kind '{label}' must name at least one exchange."
        elif requirement == "exchange_or_vendor" and exchange_count == 0 and not has_vendor:
            problems["exchanges"] = f"A signal of kind '{label}' must name an exchange or a cloud vendor."
    if kind not in KINDS_WITHOUT_SOURCE and not has_source:
        problems["source_url"] = "Say where this comes from: a source URL or a source note."
    return problems
