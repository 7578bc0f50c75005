"""An account merge moves the deal history; the Salesforce field values of the win likelihood."""

import datetime

import pytest
from django.db.models import ProtectedError

from crm.choices import RepRole
from crm.services import exchange_merge
from leads.models import Opportunity, WinModel, WinPrediction
from leads.pipeline_training import salesforce_win_likelihood_fields
from tests.crm.factories import ExchangeFactory, RepFactory

pytestmark = pytest.mark.django_db

OPENED = datetime.datetime(2025, 4, 1, 9, tzinfo=datetime.UTC)


def test_a_merge_moves_the_opportunities_and_their_history_to_the_target():
    manager = RepFactory(role=RepRole.MANAGER).user
    target = ExchangeFactory(name="Coinbase", slug="coinbase")
    source = ExchangeFactory(name="Coinbase Inc.", slug="coinbase-inc")
    deal = Opportunity.objects.create(exchange=source, name="Custody", opened_at=OPENED)

    merge = exchange_merge(source=source, target=target, user=manager)

    assert merge.moved["opportunities"] == 1
    deal.refresh_from_db()
    assert deal.exchange == target


def test_an_exchange_with_deals_is_not_deleted_with_them():
    exchange = ExchangeFactory(name="Zaif", slug="zaif")
    Opportunity.objects.create(exchange=exchange, name="Wallets", opened_at=OPENED)

    with pytest.raises(ProtectedError):
        exchange.delete()

    assert Opportunity.objects.count() == 1


def test_the_salesforce_fields_carry_the_likelihood_its_version_and_reasons():
    exchange = ExchangeFactory(name="bitbank", slug="bitbank")
    deal = Opportunity.objects.create(exchange=exchange, name="Market data", opened_at=OPENED)

    assert salesforce_win_likelihood_fields(deal) == {
        "Win_Likelihood__c": None,
        "Win_Likelihood_Model__c": None,
        "Win_Likelihood_Reasons__c": "",
    }
    model = WinModel.objects.create(version=3, trained_at=OPENED, feature_names=[], parameters={}, metrics={})
    WinPrediction.objects.create(
        opportunity=deal,
        model=model,
        likelihood=0.415,
        contributions=[
            {"group": "rival_share", "weight": -0.9, "raw": {"rival_share": 70}},
            {"group": "rules", "weight": 0.4, "raw": {"rules_score": 58}},
        ],
        as_of=OPENED,
        predicted_at=OPENED,
    )

    assert salesforce_win_likelihood_fields(deal) == {
        "Win_Likelihood__c": 42,
        "Win_Likelihood_Model__c": 3,
        "Win_Likelihood_Reasons__c": "Rival clouds ran 70% of a workload when it opened: lowers the likelihood.\n"
        "Rules score 58 when it opened: raises the likelihood.",
    }
