"""The market-data admin: the imports list (read-only), the review queue, and its decisions."""

import json

import pytest
from django.urls import reverse

from intel.choices import MatchMethod, MatchStatus
from intel.models import MarketFigure
from intel.services import market_data_import
from tests.crm.factories import ExchangeFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGE = json.dumps(
    [
        {"id": "okcoin", "name": "Okcoin", "url": "https://www.okcoin.com/"},
        {"id": "kraken", "name": "Kraken", "url": "https://r.kraken.com/c/1"},
        {"id": "krakn", "name": "Krakn Pro", "url": "https://krakn.example/"},
    ]
).encode()


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    ExchangeFactory(slug="kraken", name="Kraken", website="https://www.kraken.com")
    ExchangeFactory(slug="kucoin", name="KuCoin", website="https://www.kucoin.com")
    market_data_import(pages=[PAGE], filenames=["coingecko_exchanges_2023-01-07.json"])
    return client


@pytest.mark.parametrize("model", ["marketdataimport", "marketfiguretoreview"])
def test_the_market_lists_load(admin_client, model):
    assert admin_client.get(reverse(f"admin:intel_{model}_changelist")).status_code == 200


def test_the_review_queue_confirms_and_chooses(admin_client):
    url = reverse("admin:intel_marketfiguretoreview_changelist")
    assert [f.source_exchange_id for f in admin_client.get(url).context["cl"].result_list] == ["okcoin", "krakn"]
    okcoin, krakn = (
        MarketFigure.objects.get(source_exchange_id="okcoin"),
        MarketFigure.objects.get(source_exchange_id="krakn"),
    )

    admin_client.post(url, {"action": "mark_unmatched", "_selected_action": [okcoin.pk]}, follow=True)
    kraken = krakn.exchange
    response = admin_client.post(
        reverse("admin:intel_marketfiguretoreview_change", args=[krakn.pk]), {"exchange": kraken.pk}, follow=True
    )

    assert response.status_code == 200
    okcoin.refresh_from_db()
    krakn.refresh_from_db()
    assert (okcoin.match_status, okcoin.exchange) == (MatchStatus.UNMATCHED, None)
    assert (krakn.match_status, krakn.match_method, krakn.exchange.slug) == (
        MatchStatus.MATCHED,
        MatchMethod.MANUAL,
        "kraken",
    )
    assert list(admin_client.get(url).context["cl"].result_list) == []
