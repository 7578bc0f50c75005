"""Creating and changing opportunities: the one place that validates them and records their stage
history, called by the pages, the API, the demo history and the Salesforce read-back
(source=OpportunitySource.SALESFORCE)."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.access import ensure_may_change_exchange
from crm.choices import Workload
from crm.models import Exchange
from leads.choices import OpportunitySource, OpportunityStage
from leads.models import Opportunity, OpportunityStageChange
from leads.pipeline_stages import DEFAULT_PROBABILITY

# An estimate of monthly cloud spend above this is a typo (a yearly figure, cents, a volume).
MAX_MONTHLY_SPEND_USD = Decimal("100000000")
EARLIEST_DATE = datetime.date(2000, 1, 1)
# A close date further out than this is refused: nobody forecasts a deal twenty years ahead.
LATEST_CLOSE_YEARS = 10


def latest_close_date(today: datetime.date) -> datetime.date:
    """The latest close date accepted: LATEST_CLOSE_YEARS from today (29 February gives the 28th)."""
    try:
        return today.replace(year=today.year + LATEST_CLOSE_YEARS)
    except ValueError:
        return today.replace(year=today.year + LATEST_CLOSE_YEARS, day=28)


EDITABLE_FIELDS = (
    "name",
    "workloads",
    "monthly_spend_usd",
    "stage",
    "probability",
    "close_date",
    "owner",
    "lost_to",
    "lost_reason",
    "salesforce_id",
    "salesforce_modstamp",
    "opened_at",
    "is_generated",
)


def _label(opportunity: Opportunity) -> str:
    name = opportunity.name or _("new opportunity")
    exchange = opportunity.exchange.name if opportunity.exchange_id else "?"
    return f"{exchange} / {name}"


def opportunity_validate(opportunity: Opportunity, *, now: datetime.datetime | None = None) -> None:
    """Refuse an opportunity whose amounts or dates are out of range, naming the record and the field."""
    now = now or timezone.now()
    label = _label(opportunity)
    errors: dict[str, str] = {}
    if not (opportunity.name or "").strip():
        errors["name"] = _("%(record)s: the name is required.") % {"record": label}
    elif len(opportunity.name) > 200:
        errors["name"] = _("%(record)s: the name is longer than 200 characters.") % {"record": label}
    spend = opportunity.monthly_spend_usd
    if spend is not None:
        try:
            spend = Decimal(str(spend))
        except (InvalidOperation, ValueError):
            errors["monthly_spend_usd"] = _("%(record)s: monthly_spend_usd %(value)s is not a number.") % {
                "record": label,
                "value": opportunity.monthly_spend_usd,
            }
        else:
            if not spend.is_finite() or spend < 0 or spend > MAX_MONTHLY_SPEND_USD:
                errors["monthly_spend_usd"] = _(
                    "%(record)s: monthly_spend_usd %(value)s is out of range (0 to %(max)s USD)."
                ) % {"record": label, "value": opportunity.monthly_spend_usd, "max": f"{MAX_MONTHLY_SPEND_USD:,}"}
            else:
                opportunity.monthly_spend_usd = spend.quantize(Decimal("0.01"))
    probability = opportunity.probability
    if probability is not None and (not isinstance(probability, int) or not 0 <= probability <= 100):
        errors["probability"] = _("%(record)s: probability %(value)s is out of range (0 to 100).") % {
            "record": label,
            "value": probability,
        }
    if opportunity.stage not in OpportunityStage.values:
        errors["stage"] = _("%(record)s: stage %(value)s is not one of %(choices)s.") % {
            "record": label,
            "value": opportunity.stage,
            "choices": ", ".join(OpportunityStage.values),
        }
    workloads = opportunity.workloads
    if not isinstance(workloads, list | tuple):
        errors["workloads"] = _("%(record)s: workloads must be a list of workload codes.") % {"record": label}
    else:
        unknown = [w for w in workloads if w not in Workload.values or w == Workload.ALL]
        if unknown:
            errors["workloads"] = _("%(record)s: workloads %(value)s are not workload codes (%(choices)s).") % {
                "record": label,
                "value": ", ".join(map(str, unknown)),
                "choices": ", ".join(w for w in Workload.values if w != Workload.ALL),
            }
        else:
            opportunity.workloads = sorted(set(workloads), key=Workload.values.index)
    opened_at = opportunity.opened_at
    if opened_at is None:
        errors["opened_at"] = _("%(record)s: opened_at is required.") % {"record": label}
    elif opened_at.date() < EARLIEST_DATE or opened_at > now + datetime.timedelta(days=1):
        errors["opened_at"] = _("%(record)s: opened_at %(value)s is out of range (%(earliest)s to today).") % {
            "record": label,
            "value": opened_at.isoformat(),
            "earliest": EARLIEST_DATE.isoformat(),
        }
    close_date = opportunity.close_date
    if close_date is not None:
        latest = latest_close_date(now.date())
        if close_date < EARLIEST_DATE or close_date > latest:
            errors["close_date"] = _(
                "%(record)s: close_date %(value)s is out of range (%(earliest)s to %(latest)s)."
            ) % {
                "record": label,
                "value": close_date.isoformat(),
                "earliest": EARLIEST_DATE.isoformat(),
                "latest": latest.isoformat(),
            }
        elif opened_at is not None and "opened_at" not in errors and close_date < opened_at.date():
            errors["close_date"] = _(
                "%(record)s: close_date %(value)s is before the opportunity opened (%(opened)s)."
            ) % {
                "record": label,
                "value": close_date.isoformat(),
                "opened": opened_at.date().isoformat(),
            }
    if opportunity.lost_to_id and opportunity.stage != OpportunityStage.CLOSED_LOST:
        errors["lost_to"] = _("%(record)s: lost_to is set but the opportunity is not closed lost.") % {"record": label}
    if errors:
        raise ValidationError(errors)


def _record_stage_change(
    opportunity: Opportunity, *, from_stage: str, user, source: str, changed_at: datetime.datetime
) -> OpportunityStageChange:
    if opportunity.stage in OpportunityStage.closed():
        opportunity.closed_at = changed_at
    else:
        opportunity.closed_at = None
    return OpportunityStageChange.objects.create(
        opportunity=opportunity,
        from_stage=from_stage,
        to_stage=opportunity.stage,
        changed_at=changed_at,
        changed_by=user if user is not None and getattr(user, "is_authenticated", False) else None,
        source=source,
    )


@transaction.atomic
def opportunity_create(
    *,
    exchange: Exchange,
    name: str,
    user=None,
    source: str = OpportunitySource.PRODUCT,
    changed_at: datetime.datetime | None = None,
    check_access: bool = True,
    **fields,
) -> Opportunity:
    """Create an opportunity and its first stage change. A person (user given, source product) must be
    allowed to change the exchange (crm.access); the Salesforce read-back passes source=salesforce.
    opened_at defaults to now; probability to the stage's default. Refused input raises ValidationError
    naming the field, and nothing is written."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"opportunity_create: unknown fields {sorted(unknown)}")
    if check_access and source == OpportunitySource.PRODUCT and user is not None:
        ensure_may_change_exchange(user, exchange)
    now = timezone.now()
    fields.setdefault("opened_at", changed_at or now)
    fields.setdefault("stage", OpportunityStage.PROSPECTING)
    if fields.get("probability") is None and fields["stage"] in DEFAULT_PROBABILITY:
        fields["probability"] = DEFAULT_PROBABILITY[fields["stage"]]
    if "owner" not in fields and source == OpportunitySource.PRODUCT and user is not None:
        fields["owner"] = user if getattr(user, "is_authenticated", False) else None
    opportunity = Opportunity(exchange=exchange, name=name, **fields)
    opportunity_validate(opportunity, now=now)
    opportunity.save()
    _record_stage_change(
        opportunity, from_stage="", user=user, source=source, changed_at=changed_at or opportunity.opened_at
    )
    if opportunity.closed_at:
        opportunity.save(update_fields=["closed_at"])
    return opportunity


@transaction.atomic
def opportunity_update(
    opportunity: Opportunity,
    *,
    user=None,
    source: str = OpportunitySource.PRODUCT,
    changed_at: datetime.datetime | None = None,
    check_access: bool = True,
    **fields,
) -> Opportunity:
    """Change an opportunity. A stage change is recorded (from, to, when, by whom, from where).
    A person must be allowed to change the exchange (crm.access). Refused input raises ValidationError
    naming the field, and nothing is written (the instance is reloaded)."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"opportunity_update: unknown fields {sorted(unknown)}")
    if check_access and source == OpportunitySource.PRODUCT and user is not None:
        ensure_may_change_exchange(user, opportunity.exchange)
    locked = Opportunity.objects.select_for_update().select_related("exchange").get(pk=opportunity.pk)
    from_stage = locked.stage
    for name, value in fields.items():
        setattr(locked, name, value)
    if (
        "stage" in fields
        and fields["stage"] != from_stage
        and "probability" not in fields
        and locked.stage in DEFAULT_PROBABILITY
    ):
        locked.probability = DEFAULT_PROBABILITY[locked.stage]
    if locked.stage != OpportunityStage.CLOSED_LOST and "lost_to" not in fields:
        locked.lost_to = None
    try:
        opportunity_validate(locked)
    except ValidationError:
        opportunity.refresh_from_db()
        raise
    if locked.stage != from_stage:
        _record_stage_change(
            locked, from_stage=from_stage, user=user, source=source, changed_at=changed_at or timezone.now()
        )
    locked.save()
    opportunity.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return locked
