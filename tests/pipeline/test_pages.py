"""The pipeline pages: the board, the forecast, win rates, the managers' model page, and the
exchange page's likelihood beside the score; each scoped by crm.access."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from leads.choices import OpportunityStage
from leads.models import Opportunity, WinModel
from tests.api.conftest import client_for
from tests.crm.factories import vendor

pytestmark = pytest.mark.django_db

OPENED = datetime.datetime(2025, 2, 3, 9, tzinfo=datetime.UTC)


@pytest.fixture
def deals(cast):
    def deal(exchange, name, stage, spend, close, **more):
        return Opportunity.objects.create(
            exchange=exchange,
            name=name,
            stage=stage,
            monthly_spend_usd=Decimal(spend),
            probability={"negotiation": 90, "proposal": 75}.get(stage, 0),
            close_date=close,
            opened_at=OPENED,
            **more,
        )

    return {
        "bitflyer": deal(cast["bitflyer"], "Matching engine", "negotiation", 40000, datetime.date(2027, 1, 15)),
        "bybit": deal(cast["bybit"], "AI assistants", "proposal", 20000, datetime.date(2027, 1, 20)),
        "kraken": deal(cast["kraken"], "Wallets", "proposal", 99000, datetime.date(2027, 2, 1)),
        "coinhako_lost": deal(
            cast["coinhako"], "KYC", "closed_lost", 5000, datetime.date(2025, 5, 1), lost_to=vendor("aws")
        ),
    }


def text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_the_board_shows_each_user_the_deals_of_the_accounts_they_may_see(cast, deals):
    japan = text(client_for(cast["japan"]).get("/pipeline/"))
    manager = text(client_for(cast["manager"]).get("/pipeline/"))

    assert japan.count('data-testid="opportunity-card"') == 2
    assert "Matching engine" in japan and "AI assistants" in japan and "Wallets" not in japan
    assert manager.count('data-testid="opportunity-card"') == 3  # the lost deal closed long ago
    assert "Wallets" in manager


def test_the_forecast_weighs_spend_by_probability_per_close_month(cast, deals):
    page = text(client_for(cast["japan"]).get("/pipeline/forecast/"))

    # January 2027: 40,000 x 90% + 20,000 x 75% = 51,000 of 60,000
    assert (
        '<th scope="row">2027-01</th><td class="num">2</td><td class="num">60,000</td><td class="num">51,000</td>'
        in page
    )
    assert "2027-02" not in page


def test_win_rates_by_rival_jurisdiction_and_size_tier(cast, deals):
    Opportunity.objects.create(
        exchange=cast["coinhako"], name="Market data", stage=OpportunityStage.CLOSED_WON, opened_at=OPENED
    )
    page = text(client_for(cast["singapore"]).get("/pipeline/win-rates/"))

    assert (
        '<tr data-testid="win-rate-rival"><th scope="row">AWS</th><td class="num">0</td><td class="num">1</td>' in page
    )
    assert (
        '<tr data-testid="win-rate-jurisdiction"><th scope="row">Singapore</th><td class="num">1</td>'
        '<td class="num">1</td><td class="num">50%</td>'
    ) in page


def test_without_deal_history_the_pages_say_why(cast):
    page = text(client_for(cast["manager"]).get("/pipeline/"))

    assert 'data-testid="no-deal-history"' in page
    assert "The real exchange catalogue has no public deal history, so the demo keeps none" in page


def test_only_a_manager_opens_the_model_page_and_trains(cast, deals):
    rep = client_for(cast["japan"])

    assert rep.get("/pipeline/model/").status_code == 403
    assert rep.post("/pipeline/model/").status_code == 403
    assert WinModel.objects.count() == 0

    manager = client_for(cast["manager"])
    page = text(manager.get("/pipeline/model/"))
    assert "1 closed opportunities: 0 won, 1 lost (0 of them GENERATED)." in page
    assert 'data-testid="not-enough-history"' in page
    refused = manager.post("/pipeline/model/", follow=True)
    assert "Not enough history yet: 1 closed opportunities (0 won, 1 lost)" in refused.content.decode()
    assert WinModel.objects.count() == 0


def test_the_demo_history_trains_from_the_button_and_shows_beside_the_score(cast):
    out = io.StringIO()
    call_command("load_demo_pipeline", "--no-train", stdout=out)
    manager = client_for(cast["manager"])

    manager.post("/pipeline/model/")

    model = WinModel.objects.get()
    assert model.version == 1
    page = text(manager.get("/pipeline/model/"))
    assert page.count('data-testid="model-version"') == 1
    assert "learned from GENERATED history" in page
    board = text(manager.get("/pipeline/?history=generated"))
    assert 'data-testid="generated-warning"' in board
    exchange = Opportunity.objects.filter(predictions__isnull=False).first().exchange
    exchange_page = text(manager.get(f"/exchanges/{exchange.slug}/"))
    assert 'data-testid="win-likelihood"' in exchange_page
    assert "the likelihood.</li>" in exchange_page
