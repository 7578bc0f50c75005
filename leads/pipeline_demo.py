"""The GENERATED demo deal history (load_demo_pipeline): made-up accounts and opportunities whose
outcome depends on known factors, to try the board, the forecast and the win likelihood.

The real exchange catalogue has no public deal history, so load_demo keeps none. This history is
invented: every account is named "Generated account NN (GENERATED)", its facts carry the GENERATED
evidence source or origin, and every opportunity has is_generated set. The accounts' facts are dated
(and recorded) before the opportunities open, so the point-in-time features see them.

How an outcome is drawn (seeded): log-odds of a win =
  -0.6 + 1.2 (large) + 0.5 (mid-size) + 2.0 x engagement/5 - 1.4 x rival share
  + 0.8 (licensed) - 1.0 (licence pending) + 0.5 (AI workloads), plus logistic noise."""

from __future__ import annotations

import datetime
import math
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from crm.choices import ActivityKind, EvidenceSource, FactOrigin, LicenceStatus, SizeTier, Workload
from crm.demo import GENERATED_ACCOUNT_SLUG_PREFIX
from crm.models import Activity, Allocation, CloudVendor, Exchange, Jurisdiction, Presence
from leads.choices import OpportunitySource, OpportunityStage
from leads.models import Opportunity, OpportunityStageChange
from leads.pipeline_stages import DEFAULT_PROBABILITY

GENERATED_LABEL = "GENERATED"
FACTS_DATE = datetime.date(2023, 1, 2)
FIRST_OPENING = datetime.datetime(2023, 3, 1, 9, tzinfo=datetime.UTC)
LAST_OPENING = datetime.datetime(2026, 3, 1, 9, tzinfo=datetime.UTC)
JURISDICTIONS = ("JP", "SG", "HK", "KR", "AE", "GB", "US", "TH")
WORKLOAD_SETS = (
    ["trading_engine"],
    ["trading_engine", "market_data"],
    ["wallets", "back_office"],
    ["ai"],
    ["market_data", "ai"],
    ["back_office"],
)
LOST_REASONS = ("Price", "Latency to the matching engine", "Existing contract", "Compliance review", "No budget")


@dataclass(frozen=True)
class DemoPipelineSummary:
    accounts: int
    opportunities: int
    closed: int
    won: int
    open: int
    already_loaded: bool = False

    def lines(self) -> list[str]:
        if self.already_loaded:
            return [f"GENERATED deal history already loaded: {self.opportunities} opportunities; nothing changed"]
        return [
            f"GENERATED deal history: {self.accounts} made-up accounts, {self.opportunities} opportunities "
            f"({self.closed} closed: {self.won} won, {self.closed - self.won} lost; {self.open} open)",
        ]


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def _moment(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(9), tzinfo=datetime.UTC)


@transaction.atomic
def load_demo_pipeline(
    *, accounts: int = 60, per_account: int = 5, seed: int = 16, now: datetime.datetime | None = None
) -> DemoPipelineSummary:
    """Create the GENERATED history (idempotent: a second run changes nothing)."""
    existing = Opportunity.objects.filter(is_generated=True)
    if existing.exists():
        counts = existing.count()
        return DemoPipelineSummary(0, counts, 0, 0, 0, already_loaded=True)
    now = now or datetime.datetime.now(tz=datetime.UTC)
    rng = random.Random(seed)
    home = CloudVendor.objects.home()
    rivals = list(CloudVendor.objects.rivals().order_by("slug"))
    jurisdictions = {
        code: Jurisdiction.objects.get_or_create(code=code, defaults={"name": Jurisdiction.name_for(code)})[0]
        for code in JURISDICTIONS
    }
    span = (LAST_OPENING - FIRST_OPENING).total_seconds()
    made = closed = won = still_open = 0
    stage_rows: list[OpportunityStageChange] = []
    for number in range(1, accounts + 1):
        tier = rng.choice([SizeTier.SMALL, SizeTier.SMALL, SizeTier.MID, SizeTier.MID, SizeTier.LARGE])
        code = rng.choice(JURISDICTIONS)
        exchange = Exchange.objects.create(
            name=f"Generated account {number:02d} ({GENERATED_LABEL})",
            slug=f"{GENERATED_ACCOUNT_SLUG_PREFIX}account-{number:02d}",
            headquarters=jurisdictions[code],
            size_tier_by_hand=tier,
            size_source=f"{GENERATED_LABEL} for the demo deal history: not a real figure",
            size_set_on=FACTS_DATE,
            notes=f"{GENERATED_LABEL}: a made-up account of the demo deal history (load_demo_pipeline).",
        )
        licence = rng.choice([LicenceStatus.LICENSED, LicenceStatus.LICENSED, LicenceStatus.PENDING, "none"])
        if licence != "none":
            Presence.objects.create(
                exchange=exchange,
                jurisdiction=jurisdictions[code],
                licence_status=licence,
                origin=FactOrigin.GENERATED,
                source=f"{GENERATED_LABEL} for the demo: not a reported licence status",
                source_date=FACTS_DATE,
            )
        rival_share = rng.choice([0, 0, 40, 70, 100])
        if rival_share and rivals:
            _allocation(exchange, rng.choice(rivals), rival_share)
        if home is not None and rival_share < 100 and rng.random() < 0.4:
            _allocation(exchange, home, rng.choice([10, 20, 30]) if rival_share else 50)
        for index in range(per_account):
            is_open = index == per_account - 1 and rng.random() < 0.6
            if is_open:
                opened_at = now - datetime.timedelta(days=rng.randint(10, 150), hours=rng.randint(0, 23))
            else:
                opened_at = FIRST_OPENING + datetime.timedelta(seconds=rng.random() * span)
            meetings = rng.choice([0, 0, 1, 2, 3, 5])
            for m in range(meetings):
                occurred = opened_at - datetime.timedelta(days=rng.randint(1, 170), hours=m)
                activity = Activity.objects.create(
                    exchange=exchange,
                    kind=rng.choice([ActivityKind.MEETING, ActivityKind.CALL]),
                    occurred_at=occurred,
                    summary=f"[{GENERATED_LABEL}] demo conversation",
                )
                Activity.objects.filter(pk=activity.pk).update(created_at=occurred)
            workloads = rng.choice(WORKLOAD_SETS)
            z = (
                -0.6
                + (1.2 if tier == SizeTier.LARGE else 0.5 if tier == SizeTier.MID else 0.0)
                + 2.0 * min(meetings, 5) / 5
                - 1.4 * rival_share / 100
                + (0.8 if licence == LicenceStatus.LICENSED else -1.0 if licence == LicenceStatus.PENDING else 0.0)
                + (0.5 if Workload.AI in workloads else 0.0)
            )
            noise = math.log(1 / max(rng.random(), 1e-9) - 1)  # logistic noise
            is_won = z + noise > 0
            spend = Decimal(rng.choice([3, 8, 15, 25, 40, 80, 150])) * 1000
            if is_open:
                stage = rng.choice(OpportunityStage.open_stages())
                close_date = (now + datetime.timedelta(days=rng.randint(5, 200))).date()
                closed_at = None
            else:
                stage = OpportunityStage.CLOSED_WON if is_won else OpportunityStage.CLOSED_LOST
                closed_at = opened_at + datetime.timedelta(days=rng.randint(20, 160))
                close_date = closed_at.date()
            opportunity = Opportunity.objects.create(
                exchange=exchange,
                name=f"{GENERATED_LABEL} deal {number:02d}-{index + 1}",
                workloads=workloads,
                monthly_spend_usd=spend,
                stage=stage,
                probability=DEFAULT_PROBABILITY[stage],
                close_date=close_date,
                lost_to=rng.choice(rivals) if stage == OpportunityStage.CLOSED_LOST and rivals else None,
                lost_reason=rng.choice(LOST_REASONS) if stage == OpportunityStage.CLOSED_LOST else "",
                opened_at=opened_at,
                closed_at=closed_at,
                is_generated=True,
            )
            stage_rows.append(
                OpportunityStageChange(
                    opportunity=opportunity,
                    from_stage="",
                    to_stage=OpportunityStage.PROSPECTING,
                    changed_at=opened_at,
                    source=OpportunitySource.PRODUCT,
                )
            )
            if stage != OpportunityStage.PROSPECTING:
                stage_rows.append(
                    OpportunityStageChange(
                        opportunity=opportunity,
                        from_stage=OpportunityStage.PROSPECTING,
                        to_stage=stage,
                        changed_at=closed_at or opened_at + datetime.timedelta(days=3),
                        source=OpportunitySource.PRODUCT,
                    )
                )
            made += 1
            if is_open:
                still_open += 1
            else:
                closed += 1
                won += int(is_won)
    OpportunityStageChange.objects.bulk_create(stage_rows)
    return DemoPipelineSummary(accounts, made, closed, won, still_open)


def _allocation(exchange: Exchange, vendor: CloudVendor, share: int) -> None:
    allocation = Allocation.objects.create(
        exchange=exchange,
        vendor=vendor,
        workload=Workload.ALL,
        share_percent=Decimal(share),
        evidence_source=EvidenceSource.GENERATED,
        source_note=f"{GENERATED_LABEL} for the demo deal history",
        confidence=10,
        observed_on=FACTS_DATE,
    )
    Allocation.objects.filter(pk=allocation.pk).update(created_at=_moment(FACTS_DATE), updated_at=_moment(FACTS_DATE))
