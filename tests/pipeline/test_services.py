"""Creating and changing opportunities: validation naming the field, stage history, the owner rule."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from crm.choices import RepRole
from leads.choices import OpportunitySource, OpportunityStage
from leads.models import Opportunity, OpportunityStageChange
from leads.pipeline_stages import stage_from_salesforce
from leads.services.opportunities import latest_close_date, opportunity_create, opportunity_update
from tests.crm.factories import ExchangeFactory, RepFactory, jurisdiction, vendor

pytestmark = pytest.mark.django_db

OPENED = datetime.datetime(2025, 3, 3, 9, tzinfo=datetime.UTC)


@pytest.fixture
def bitflyer():
    return ExchangeFactory(name="bitFlyer", slug="bitflyer", headquarters=jurisdiction("JP"))


@pytest.fixture
def manager():
    return RepFactory(role=RepRole.MANAGER).user


def test_creating_records_the_first_stage_and_the_stage_default_probability(bitflyer, manager):
    opportunity = opportunity_create(
        exchange=bitflyer,
        name="Matching engine move",
        user=manager,
        workloads=["market_data", "trading_engine", "trading_engine"],
        monthly_spend_usd="42000.5",
        stage=OpportunityStage.PROPOSAL,
        opened_at=OPENED,
    )

    opportunity.refresh_from_db()
    assert opportunity.workloads == ["trading_engine", "market_data"]
    assert opportunity.monthly_spend_usd == Decimal("42000.50")
    assert opportunity.probability == 75
    assert opportunity.owner == manager
    assert list(OpportunityStageChange.objects.values_list("from_stage", "to_stage", "changed_at", "source")) == [
        ("", "proposal", OPENED, "product")
    ]


def test_a_stage_change_is_kept_with_who_when_and_where(bitflyer, manager):
    opportunity = opportunity_create(exchange=bitflyer, name="Wallets", user=manager, opened_at=OPENED)
    lost_on = datetime.datetime(2025, 6, 1, 12, tzinfo=datetime.UTC)

    opportunity_update(
        opportunity,
        stage=OpportunityStage.CLOSED_LOST,
        lost_to=vendor("aws"),
        lost_reason="Price",
        source=OpportunitySource.SALESFORCE,
        changed_at=lost_on,
    )

    opportunity.refresh_from_db()
    assert (opportunity.stage, opportunity.probability, opportunity.closed_at) == ("closed_lost", 0, lost_on)
    assert list(
        OpportunityStageChange.objects.order_by("changed_at").values_list("from_stage", "to_stage", "source")
    ) == [("", "prospecting", "product"), ("prospecting", "closed_lost", "salesforce")]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"monthly_spend_usd": Decimal("-1")},
            "monthly_spend_usd",
            "bitFlyer / Deal: monthly_spend_usd -1 is out of range (0 to 100,000,000 USD).",
        ),
        ({"probability": 101}, "probability", "bitFlyer / Deal: probability 101 is out of range (0 to 100)."),
        (
            {"close_date": datetime.date(1999, 12, 31)},
            "close_date",
            "bitFlyer / Deal: close_date 1999-12-31 is out of range (2000-01-01 to {latest}).",
        ),
        (
            {"close_date": datetime.date(2025, 3, 1)},
            "close_date",
            "bitFlyer / Deal: close_date 2025-03-01 is before the opportunity opened (2025-03-03).",
        ),
        (
            {"workloads": ["gpu"]},
            "workloads",
            "bitFlyer / Deal: workloads gpu are not workload codes "
            "(trading_engine, market_data, wallets, back_office, ai).",
        ),
    ],
)
def test_out_of_range_input_is_refused_naming_the_field_and_nothing_is_written(
    bitflyer, manager, fields, field, message
):
    message = message.format(latest=latest_close_date(timezone.now().date()).isoformat())

    with pytest.raises(ValidationError) as refused:
        opportunity_create(exchange=bitflyer, name="Deal", user=manager, opened_at=OPENED, **fields)

    assert refused.value.message_dict == {field: [message]}
    assert Opportunity.objects.count() == 0
    assert OpportunityStageChange.objects.count() == 0


def test_a_refused_update_changes_nothing(bitflyer, manager):
    opportunity = opportunity_create(
        exchange=bitflyer, name="Deal", user=manager, opened_at=OPENED, monthly_spend_usd=Decimal("1000")
    )

    with pytest.raises(ValidationError) as refused:
        opportunity_update(opportunity, stage=OpportunityStage.NEGOTIATION, monthly_spend_usd=Decimal("-5"))

    assert list(refused.value.message_dict) == ["monthly_spend_usd"]
    opportunity.refresh_from_db()
    assert (opportunity.stage, opportunity.monthly_spend_usd) == ("prospecting", Decimal("1000.00"))
    assert OpportunityStageChange.objects.count() == 1


def test_a_rep_changes_only_the_opportunities_of_accounts_they_own(bitflyer, manager):
    rep = RepFactory(territories=[jurisdiction("JP")]).user
    opportunity = opportunity_create(exchange=bitflyer, name="Deal", user=manager, opened_at=OPENED)

    with pytest.raises(PermissionDenied):
        opportunity_update(opportunity, user=rep, stage=OpportunityStage.NEGOTIATION)
    with pytest.raises(PermissionDenied):
        opportunity_create(exchange=bitflyer, name="Another", user=rep)

    opportunity.refresh_from_db()
    assert opportunity.stage == "prospecting"
    assert Opportunity.objects.count() == 1


def test_salesforce_stage_names_map_in_one_place():
    assert stage_from_salesforce("Negotiation/Review") == "negotiation"
    assert stage_from_salesforce("Needs Analysis") == "qualification"
    assert stage_from_salesforce("Signed", is_closed=True, is_won=True) == "closed_won"
    assert stage_from_salesforce("Lost to rival", is_closed=True) == "closed_lost"
    assert stage_from_salesforce("Discovery") is None
