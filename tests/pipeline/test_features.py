"""Point-in-time features: what was known when an opportunity opened, and nothing recorded after."""

import datetime
from decimal import Decimal

import pytest

from crm.choices import EvidenceSource, FactOrigin, LicenceStatus
from crm.models import Activity, Allocation, Presence
from intel.models import MarketDataImport, MarketFigure
from leads.models import Opportunity, ScoreChange
from leads.pipeline_features import features_as_of_opening, opportunities_at
from tests.crm.factories import ExchangeFactory, jurisdiction, vendor
from tests.leads.factories import outage

pytestmark = pytest.mark.django_db

OPENED = datetime.datetime(2025, 6, 1, 9, tzinfo=datetime.UTC)
BEFORE = OPENED - datetime.timedelta(days=30)
AFTER = OPENED + datetime.timedelta(days=1)


def at(moment: datetime.datetime, model, pk, **more):
    """Set when a row was recorded (auto_now_add stamps the test's own clock)."""
    model.objects.filter(pk=pk).update(created_at=moment, **more)


def figure(exchange, *, as_of, volume, recorded):
    reading = MarketDataImport.objects.create(source="coingecko", as_of=as_of, content_sha256=str(as_of))
    row = MarketFigure.objects.create(
        market_import=reading,
        source="coingecko",
        as_of=as_of,
        source_exchange_id=exchange.slug,
        source_name=exchange.name,
        exchange=exchange,
        match_status="matched",
        volume_24h_btc=Decimal(volume),
    )
    at(recorded, MarketFigure, row.pk)


def allocation(exchange, slug, share, *, recorded, changed=None):
    row = Allocation.objects.create(
        exchange=exchange,
        vendor=vendor(slug),
        workload="all",
        share_percent=Decimal(share),
        evidence_source=EvidenceSource.NEWS,
        observed_on=BEFORE.date(),
    )
    at(recorded, Allocation, row.pk, updated_at=changed or recorded)


def meeting(exchange, *, occurred, recorded):
    row = Activity.objects.create(exchange=exchange, kind="meeting", occurred_at=occurred, summary="Booth")
    at(recorded, Activity, row.pk)


def score_change(exchange, score, *, recorded):
    ScoreChange.objects.create(
        exchange=exchange,
        new_score=score,
        new_grade="B",
        model_version=1,
        cause="evidence",
        as_of=recorded,
        created_at=recorded,
    )


@pytest.fixture
def bybit(home_vendor_slug):
    exchange = ExchangeFactory(name="Bybit", slug="bybit", headquarters=jurisdiction("AE"))
    opportunity = Opportunity.objects.create(exchange=exchange, name="Wallets", opened_at=OPENED, workloads=["ai"])
    return exchange, opportunity


def features_of(opportunity):
    return features_as_of_opening(opportunities_at(Opportunity.objects.filter(pk=opportunity.pk)))[0]


def test_facts_known_when_it_opened_reach_its_features(bybit):
    exchange, opportunity = bybit
    score_change(exchange, 64, recorded=BEFORE)
    figure(exchange, as_of=BEFORE.date(), volume="6001", recorded=BEFORE)
    allocation(exchange, "aws", 70, recorded=BEFORE)
    allocation(exchange, "tencent-cloud", 30, recorded=BEFORE)
    Presence.objects.create(
        exchange=exchange,
        jurisdiction=jurisdiction("AE"),
        licence_status=LicenceStatus.LICENSED,
        origin=FactOrigin.REGISTER,
        source_date=BEFORE.date(),
    )
    signal = outage("aws", BEFORE - datetime.timedelta(days=2))
    at(BEFORE, type(signal), signal.pk)
    outage("aws", BEFORE)  # recorded now, after the opening: not counted
    meeting(exchange, occurred=BEFORE, recorded=BEFORE)

    features = features_of(opportunity)

    assert features.raw == {
        "rules_score": 64,
        "size_tier": "mid",
        "volume_btc": 6001.0,
        "home_share": 30,
        "rival_share": 70,
        "licences": 1,
        "licence_trouble": False,
        "rival_outages": 1,
        "engagement": 1,
        "workloads": ["ai"],
    }
    assert features.values["workload_ai"] == 1.0
    assert features.as_of == OPENED


def test_a_fact_recorded_after_it_opened_never_reaches_its_features(bybit):
    exchange, opportunity = bybit
    # Each of these describes a moment before the opening, but was recorded after it.
    score_change(exchange, 64, recorded=AFTER)
    figure(exchange, as_of=BEFORE.date(), volume="6001", recorded=AFTER)
    allocation(exchange, "aws", 70, recorded=AFTER)
    allocation(exchange, "alibaba-cloud", 20, recorded=BEFORE, changed=AFTER)  # edited since: value unknown then
    Presence.objects.create(
        exchange=exchange,
        jurisdiction=jurisdiction("AE"),
        licence_status=LicenceStatus.LICENSED,
        origin=FactOrigin.REGISTER,
        source_date=AFTER.date(),
    )
    signal = outage("aws", BEFORE)
    at(AFTER, type(signal), signal.pk)
    meeting(exchange, occurred=BEFORE, recorded=AFTER)
    exchange.size_tier_by_hand = "large"
    exchange.size_set_on = AFTER.date()
    exchange.save()

    features = features_of(opportunity)

    assert features.raw == {
        "rules_score": None,
        "size_tier": "unknown",
        "volume_btc": None,
        "home_share": 0,
        "rival_share": 0,
        "licences": 0,
        "licence_trouble": False,
        "rival_outages": 0,
        "engagement": 0,
        "workloads": ["ai"],
    }
    assert [features.values[name] for name in ("has_rules_score", "size_known", "cloud_known")] == [0.0, 0.0, 0.0]


def test_the_newest_figure_known_then_is_used_not_a_later_one(bybit):
    exchange, opportunity = bybit
    figure(exchange, as_of=datetime.date(2025, 1, 1), volume="500", recorded=BEFORE)
    figure(exchange, as_of=datetime.date(2025, 5, 20), volume="20000", recorded=AFTER)

    assert (features_of(opportunity).raw["size_tier"], features_of(opportunity).raw["volume_btc"]) == ("small", 500.0)


def test_deals_of_one_account_opened_around_its_facts_each_get_their_own_moment(bybit):
    """Scored together, the deals of one account share the work between two of its facts; each still
    gets the features of its own opening, to the microsecond where a fact is recorded or leaves its
    window (a meeting 180 days old, an outage a year old)."""
    exchange, first = bybit
    tick = datetime.timedelta(microseconds=1)
    met = OPENED - datetime.timedelta(days=10)
    meeting(exchange, occurred=met, recorded=met)
    allocation(exchange, "aws", 70, recorded=BEFORE)
    down = OPENED - datetime.timedelta(days=20)
    signal = outage("aws", down)
    at(down, type(signal), signal.pk)
    score_change(exchange, 40, recorded=OPENED + datetime.timedelta(days=3))
    meeting_leaves = met + datetime.timedelta(days=180)
    outage_leaves = down + datetime.timedelta(days=365)
    moments = [
        OPENED,
        OPENED + datetime.timedelta(days=1),  # same stretch as OPENED
        OPENED + datetime.timedelta(days=3) - tick,
        OPENED + datetime.timedelta(days=3),  # the score is known from this moment
        meeting_leaves,  # still within 180 days
        meeting_leaves + tick,  # no longer
        outage_leaves,
        outage_leaves + tick,
    ]
    deals = [first] + [
        Opportunity.objects.create(exchange=exchange, name=f"Deal {n}", opened_at=moment, workloads=["trading_engine"])
        for n, moment in enumerate(moments[1:])
    ]

    together = features_as_of_opening(opportunities_at(Opportunity.objects.filter(exchange=exchange).order_by("pk")))

    assert [(f.raw["rules_score"], f.raw["engagement"], f.raw["rival_outages"]) for f in together] == [
        (None, 1, 1),
        (None, 1, 1),
        (None, 1, 1),
        (40, 1, 1),
        (40, 1, 1),
        (40, 0, 1),
        (40, 0, 1),
        (40, 0, 0),
    ]
    alone = [features_of(deal) for deal in deals]
    assert [(f.values, f.raw, f.as_of) for f in together] == [(f.values, f.raw, f.as_of) for f in alone]
    assert [f.as_of for f in together] == moments
