"""From the attributed addresses of an exchange's hosts to what the product concludes: which cloud
vendor holds its trading engine, at what share and with what confidence. Pure: no ORM, no clock.

Rules: a host is on the cloud most of its addresses are on; a host with any address on a front
door (CDN, DDoS protection) is a front door, origin unknown, and never a cloud. API and websocket
hosts on a cloud are the strongest basis; the website on a cloud is used only when no API host is;
a vendor's share is the proportion of the resolved hosts of that basis on it (rounded down, so
the shares never add up to more than 100%)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from intel.technographics.attribution import Attribution
from intel.technographics.choices import INFERENCE_CONFIDENCE, EndpointRole, InferenceBasis
from intel.technographics.providers import PROVIDERS, place_name

API_ROLES = frozenset({EndpointRole.API, EndpointRole.WEBSOCKET})


@dataclass(frozen=True)
class AddressFinding:
    ip: str
    attribution: Attribution | None


@dataclass(frozen=True)
class HostFinding:
    host: str
    role: str
    addresses: tuple[AddressFinding, ...] = ()
    error: str = ""


@dataclass(frozen=True)
class HostVerdict:
    host: str
    role: str
    kind: str  # "cloud", "front_door", "unknown", "unresolved"
    provider_key: str = ""
    region: str = ""

    @property
    def description(self) -> str:
        if self.kind == "front_door":
            return f"front door on {PROVIDERS[self.provider_key].name}, origin unknown"
        if self.kind == "cloud":
            return place_name(self.provider_key, self.region)
        if self.kind == "unknown":
            return "on no known cloud or front door"
        return "not resolved"


@dataclass(frozen=True)
class VendorFinding:
    """One vendor the exchange's trading engine is inferred to run on."""

    provider_key: str
    vendor_slug: str  # blank: a cloud the account book has no vendor for (shown, never allocated)
    region: str
    share_percent: Decimal
    confidence: int
    basis: str
    hosts: tuple[str, ...]
    hosts_of_basis: int

    @property
    def place(self) -> str:
        return place_name(self.provider_key, self.region)

    @property
    def evidence_note(self) -> str:
        """What the allocation's source note says (at most 300 characters)."""
        kind = "API host" if self.basis == InferenceBasis.API_ON_CLOUD else "website host"
        plural = "s" if len(self.hosts) > 1 else ""
        verb = "resolve" if len(self.hosts) > 1 else "resolves"
        names = ", ".join(self.hosts)
        note = (
            f"IP inference: {kind}{plural} {names} {verb} to {self.place} "
            f"({len(self.hosts)} of {self.hosts_of_basis} resolved {kind}s)"
        )
        return note if len(note) <= 300 else note[:297] + "..."


@dataclass(frozen=True)
class Inference:
    verdicts: tuple[HostVerdict, ...]
    findings: tuple[VendorFinding, ...]

    @property
    def hosts_checked(self) -> int:
        return len(self.verdicts)

    @property
    def hosts_failed(self) -> int:
        return sum(1 for verdict in self.verdicts if verdict.kind == "unresolved")

    @property
    def api_providers(self) -> tuple[str, ...]:
        """The clouds the API hosts run on: a change here is a move of the trading engine."""
        return tuple(sorted({v.provider_key for v in self.verdicts if v.role in API_ROLES and v.kind == "cloud"}))

    @property
    def front_doors(self) -> tuple[str, ...]:
        return tuple(f"{v.host}: {v.description}" for v in self.verdicts if v.kind == "front_door")

    @property
    def has_conclusion(self) -> bool:
        """False when nothing can be concluded and nothing previous should be undone: every host
        failed to resolve, or the exchange has API hosts and none of them resolved (the website
        alone must not replace what its API showed before)."""
        api = [verdict for verdict in self.verdicts if verdict.role in API_ROLES]
        considered = api or self.verdicts
        return any(verdict.kind != "unresolved" for verdict in considered)


def host_verdict(finding: HostFinding) -> HostVerdict:
    if finding.error or not finding.addresses:
        return HostVerdict(host=finding.host, role=finding.role, kind="unresolved")
    known = [a.attribution for a in finding.addresses if a.attribution is not None]
    fronts = Counter(a.provider.key for a in known if a.is_front_door)
    if fronts:
        key = min(fronts, key=lambda k: (-fronts[k], k))
        return HostVerdict(host=finding.host, role=finding.role, kind="front_door", provider_key=key)
    clouds = Counter(a.provider.key for a in known)
    if not clouds:
        return HostVerdict(host=finding.host, role=finding.role, kind="unknown")
    key = min(clouds, key=lambda k: (-clouds[k], k))
    regions = Counter(a.region for a in known if a.provider.key == key and a.region)
    region = min(regions, key=lambda r: (-regions[r], r)) if regions else ""
    return HostVerdict(host=finding.host, role=finding.role, kind="cloud", provider_key=key, region=region)


def infer(hosts: list[HostFinding]) -> Inference:
    verdicts = tuple(sorted((host_verdict(h) for h in hosts), key=lambda v: (v.role, v.host)))
    findings: tuple[VendorFinding, ...] = ()
    for roles, basis in (
        (API_ROLES, InferenceBasis.API_ON_CLOUD),
        (frozenset({EndpointRole.WEBSITE}), InferenceBasis.WEBSITE_ON_CLOUD),
    ):
        resolved = [v for v in verdicts if v.role in roles and v.kind != "unresolved"]
        on_cloud = [v for v in resolved if v.kind == "cloud"]
        if on_cloud:
            findings = _findings(resolved, on_cloud, basis)
            break
    return Inference(verdicts=verdicts, findings=findings)


def _findings(resolved: list[HostVerdict], on_cloud: list[HostVerdict], basis: str) -> tuple[VendorFinding, ...]:
    by_provider: dict[str, list[HostVerdict]] = {}
    for verdict in on_cloud:
        by_provider.setdefault(verdict.provider_key, []).append(verdict)
    findings = []
    for key, group in by_provider.items():
        regions = Counter(v.region for v in group if v.region)
        region = min(regions, key=lambda r: (-regions[r], r)) if regions else ""
        share = (Decimal(100) * len(group) / len(resolved)).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
        findings.append(
            VendorFinding(
                provider_key=key,
                vendor_slug=PROVIDERS[key].vendor_slug,
                region=region,
                share_percent=share,
                confidence=INFERENCE_CONFIDENCE[basis],
                basis=basis,
                hosts=tuple(sorted(v.host for v in group)),
                hosts_of_basis=len(resolved),
            )
        )
    findings.sort(key=lambda f: (-f.share_percent, f.provider_key))
    return tuple(findings)
