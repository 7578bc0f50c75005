"""/api/v1/opportunities/: visibility is the exchange's, reps change only what they own, filters,
refusals naming the field with nothing written, the likelihood beside the rules score."""

import datetime

import pytest

from leads.choices import OpportunityStage
from leads.models import Opportunity, OpportunityStageChange
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db

OPENED = datetime.datetime(2025, 2, 3, 9, tzinfo=datetime.UTC)


@pytest.fixture
def deals(cast):
    made = {}
    for key, exchange, workloads, stage in [
        ("bitflyer", cast["bitflyer"], ["trading_engine"], OpportunityStage.NEGOTIATION),
        ("bybit", cast["bybit"], ["ai", "wallets"], OpportunityStage.PROPOSAL),
        ("coinhako", cast["coinhako"], ["ai"], OpportunityStage.CLOSED_LOST),
        ("kraken", cast["kraken"], ["market_data"], OpportunityStage.QUALIFICATION),
    ]:
        made[key] = Opportunity.objects.create(
            exchange=exchange, name=f"{exchange.name} deal", workloads=workloads, stage=stage, opened_at=OPENED
        )
    return made


def names(response):
    assert response.status_code == 200, response.json()
    return sorted(row["name"] for row in response.json()["results"])


def test_each_user_sees_the_opportunities_of_the_exchanges_they_may_see(cast, deals):
    assert names(client_for(cast["japan"]).get("/api/v1/opportunities/")) == ["Bybit deal", "bitFlyer deal"]
    assert names(client_for(cast["singapore"]).get("/api/v1/opportunities/")) == ["Coinhako deal"]
    assert names(client_for(cast["manager"]).get("/api/v1/opportunities/")) == [
        "Bybit deal",
        "Coinhako deal",
        "Kraken deal",
        "bitFlyer deal",
    ]
    assert client_for(cast["japan"]).get(f"/api/v1/opportunities/{deals['kraken'].pk}/").status_code == 404
    assert client_for().get("/api/v1/opportunities/").status_code == 401


def test_filters_by_stage_workload_openness_and_exchange(cast, deals):
    manager = client_for(cast["manager"])

    assert names(manager.get("/api/v1/opportunities/?stage=proposal&stage=negotiation")) == [
        "Bybit deal",
        "bitFlyer deal",
    ]
    assert names(manager.get("/api/v1/opportunities/?workload=ai")) == ["Bybit deal", "Coinhako deal"]
    assert names(manager.get("/api/v1/opportunities/?is_open=false")) == ["Coinhako deal"]
    assert names(manager.get("/api/v1/opportunities/?exchange=kraken")) == ["Kraken deal"]


def test_a_rep_creates_and_moves_the_opportunities_of_accounts_they_own(cast, deals):
    japan = client_for(cast["japan"])

    created = japan.post(
        "/api/v1/opportunities/",
        {"exchange": "bitflyer", "name": "Market data feed", "workloads": ["market_data"], "monthly_spend_usd": 12000},
        format="json",
    )
    moved = japan.patch(f"/api/v1/opportunities/{deals['bitflyer'].pk}/", {"stage": "closed_won"}, format="json")

    assert created.status_code == 201, created.json()
    assert (created.json()["owner"], created.json()["stage"], created.json()["probability"]) == (
        "rep.japan",
        "prospecting",
        10,
    )
    assert moved.status_code == 200, moved.json()
    assert [c["to_stage"] for c in moved.json()["stage_changes"]] == ["closed_won"]
    assert moved.json()["stage_changes"][0]["changed_by"] == "rep.japan"


def test_a_rep_may_not_change_or_create_on_an_account_they_only_see(cast, deals):
    japan = client_for(cast["japan"])

    moved = japan.patch(f"/api/v1/opportunities/{deals['bybit'].pk}/", {"stage": "closed_won"}, format="json")
    created = japan.post("/api/v1/opportunities/", {"exchange": "bybit", "name": "Sneaky"}, format="json")
    unseen = japan.post("/api/v1/opportunities/", {"exchange": "kraken", "name": "Sneaky"}, format="json")

    assert moved.status_code == 403
    assert created.status_code == 403
    assert created.json()["detail"] == (
        "You may change only the accounts you own; Bybit is not yours (a manager changes any)."
    )
    assert unseen.status_code == 400
    assert list(unseen.json()) == ["exchange"]
    deals["bybit"].refresh_from_db()
    assert deals["bybit"].stage == "proposal"
    assert Opportunity.objects.count() == 4
    assert OpportunityStageChange.objects.count() == 0


def test_out_of_range_input_is_a_400_naming_the_field_and_writes_nothing(cast, deals):
    manager = client_for(cast["manager"])

    refused = manager.patch(
        f"/api/v1/opportunities/{deals['kraken'].pk}/",
        {"stage": "negotiation", "close_date": "1999-01-01"},
        format="json",
    )

    assert refused.status_code == 400
    assert list(refused.json()) == ["close_date"]
    assert refused.json()["close_date"][0].startswith("Kraken / Kraken deal: close_date 1999-01-01 is out of range")
    deals["kraken"].refresh_from_db()
    assert (deals["kraken"].stage, deals["kraken"].close_date) == ("qualification", None)


def test_the_leads_list_shows_the_win_likelihood_beside_the_rules_score_on_request(cast, deals):
    from leads.models import Score, WinModel, WinPrediction

    Score.objects.create(
        exchange=cast["bitflyer"], score=61, grade="B", factors=[], model_version=1, as_of=OPENED, computed_at=OPENED
    )
    model = WinModel.objects.create(version=1, trained_at=OPENED, feature_names=[], parameters={}, metrics={})
    WinPrediction.objects.create(
        opportunity=deals["bitflyer"],
        model=model,
        likelihood=0.634,
        contributions=[{"group": "engagement", "weight": 0.8, "raw": {"engagement": 3}}],
        as_of=OPENED,
        predicted_at=OPENED,
    )
    japan = client_for(cast["japan"])

    plain = japan.get("/api/v1/leads/").json()["results"][0]
    row = japan.get("/api/v1/leads/?include_win_likelihood=true").json()["results"][0]

    assert "win_likelihood" not in plain
    assert (row["slug"], row["score"]) == ("bitflyer", 61)
    assert row["win_likelihood"]["likelihood_percent"] == 63
    assert row["win_likelihood"]["model_version"] == 1
    assert row["win_likelihood"]["reasons"] == [
        "3 meetings or calls in the 180 days before it opened: raises the likelihood."
    ]
