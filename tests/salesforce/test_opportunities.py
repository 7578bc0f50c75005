"""The win likelihood on Salesforce's Opportunities against the fake org: only opportunities that came
from Salesforce, only the product's three custom fields, delta like the accounts, and an org without
the fields stopping that part alone."""

import datetime

import pytest
from django.utils import translation

from leads.choices import OpportunityStage
from leads.models import Opportunity, WinModel, WinPrediction
from leads.salesforce.models import FieldMapping, SyncRecord, SyncRun
from leads.salesforce.services import salesforce_sync
from tests.crm.factories import ExchangeFactory
from tests.salesforce.factories import score_change

pytestmark = pytest.mark.django_db

OPENED = datetime.datetime(2025, 4, 1, 9, tzinfo=datetime.UTC)
CONTRIBUTIONS = [
    {"group": "rival_share", "weight": -0.9, "raw": {"rival_share": 70}},
    {"group": "rules", "weight": 0.4, "raw": {"rules_score": 58}},
]
REASONS = (
    "Rival clouds ran 70% of a workload when it opened: lowers the likelihood.\n"
    "Rules score 58 when it opened: raises the likelihood."
)
SALESFORCE_OWNED = {"StageName": "Negotiation/Review", "Amount": 25000.0, "CloseDate": "2026-03-31"}


def win_model(version: int) -> WinModel:
    return WinModel.objects.create(version=version, trained_at=OPENED, feature_names=[], parameters={}, metrics={})


def predicted(opportunity: Opportunity, model: WinModel, likelihood: float = 0.415) -> WinPrediction:
    return WinPrediction.objects.create(
        opportunity=opportunity,
        model=model,
        likelihood=likelihood,
        contributions=CONTRIBUTIONS,
        as_of=OPENED,
        predicted_at=OPENED,
    )


def pulled_opportunity(fake, exchange, name: str = "Market data") -> Opportunity:
    """An opportunity as the pull leaves it: in the org, and here with its Salesforce id."""
    record = fake.org.insert("Opportunity", {"Name": name, **SALESFORCE_OWNED})
    return Opportunity.objects.create(
        exchange=exchange,
        name=name,
        stage=OpportunityStage.NEGOTIATION,
        monthly_spend_usd=25000,
        close_date=datetime.date(2026, 3, 31),
        salesforce_id=record["Id"],
        opened_at=OPENED,
    )


def opportunity_updates(fake):
    return fake.calls_to("PATCH", r"/composite/sobjects$")


def in_org(fake, opportunity: Opportunity) -> dict:
    return fake.org.records["Opportunity"][opportunity.salesforce_id]


def test_a_pulled_opportunity_with_a_prediction_gets_the_three_fields_and_nothing_salesforce_owns(salesforce):
    # given an opportunity pulled from Salesforce and the current model's prediction of it
    deal = pulled_opportunity(salesforce, ExchangeFactory(name="bitbank", slug="bitbank"))
    predicted(deal, win_model(3))

    # when the sync runs
    outcome = salesforce_sync()

    # then one describe and one update by Salesforce id carry exactly the three fields
    assert outcome.status == "succeeded"
    assert [(r.method, r.path) for r in salesforce.requests] == [
        ("GET", "/services/data/v62.0/sobjects/Opportunity/describe"),
        ("PATCH", "/services/data/v62.0/composite/sobjects"),
    ]
    assert opportunity_updates(salesforce)[0].json == {
        "allOrNone": False,
        "records": [
            {
                "attributes": {"type": "Opportunity"},
                "id": deal.salesforce_id,
                "Win_Likelihood__c": 42,
                "Win_Likelihood_Model__c": 3,
                "Win_Likelihood_Reasons__c": REASONS,
            }
        ],
    }
    # and the Opportunity keeps what Salesforce owns, with the product's fields beside it
    record = in_org(salesforce, deal)
    assert {name: record[name] for name in SALESFORCE_OWNED} == SALESFORCE_OWNED
    assert (record["Win_Likelihood__c"], record["Win_Likelihood_Model__c"]) == (42, 3)
    assert "OwnerId" not in record
    tracked = SyncRecord.objects.get(object_name="Opportunity")
    assert (tracked.key, tracked.source_id, tracked.state, tracked.salesforce_id) == (
        deal.salesforce_id,
        deal.pk,
        "confirmed",
        deal.salesforce_id,
    )
    assert not Opportunity.objects.exclude(pk=deal.pk).exists()  # nothing created on either side
    assert len(salesforce.org.all("Opportunity")) == 1


def test_a_second_push_with_no_change_sends_no_opportunity(salesforce):
    deal = pulled_opportunity(salesforce, ExchangeFactory())
    predicted(deal, win_model(1))
    salesforce_sync()
    requests_before = len(salesforce.requests)

    outcome = salesforce_sync()

    assert outcome.message == "Nothing to send (0 records unchanged)."
    assert len(salesforce.requests) == requests_before
    assert SyncRun.objects.first().records_sent == 0


def test_a_new_model_versions_prediction_is_sent_again(salesforce):
    deal = pulled_opportunity(salesforce, ExchangeFactory())
    predicted(deal, win_model(1), likelihood=0.415)
    salesforce_sync()

    # when a new version predicts it
    predicted(deal, win_model(2), likelihood=0.62)
    outcome = salesforce_sync()

    # then the new likelihood and version reach the Opportunity, in one more update
    assert outcome.status == "succeeded"
    assert len(opportunity_updates(salesforce)) == 2
    sent = opportunity_updates(salesforce)[1].json["records"]
    assert [(r["id"], r["Win_Likelihood__c"], r["Win_Likelihood_Model__c"]) for r in sent] == [
        (deal.salesforce_id, 62, 2)
    ]
    assert (in_org(salesforce, deal)["Win_Likelihood__c"], in_org(salesforce, deal)["Win_Likelihood_Model__c"]) == (
        62,
        2,
    )


def test_a_full_resend_sends_the_current_predictions_and_leaves_a_deal_the_new_version_skipped(salesforce):
    # given two deals sent with version 1, then version 2 predicting only the one still open
    exchange = ExchangeFactory()
    open_deal, closed_deal = (pulled_opportunity(salesforce, exchange, name=name) for name in ("Open", "Closed"))
    first = win_model(1)
    predicted(open_deal, first)
    predicted(closed_deal, first)
    salesforce_sync()
    predicted(open_deal, win_model(2), likelihood=0.62)

    # when everything is resent
    outcome = salesforce_sync(full=True)

    # then only the open deal went out, with version 2; the closed one keeps what it was sent
    assert outcome.status == "succeeded"
    sent = opportunity_updates(salesforce)[-1].json["records"]
    assert [(r["id"], r["Win_Likelihood_Model__c"]) for r in sent] == [(open_deal.salesforce_id, 2)]
    assert in_org(salesforce, closed_deal)["Win_Likelihood__c"] == 42


def test_an_opportunity_created_in_the_product_is_never_sent(salesforce):
    # given a deal typed in the product (no Salesforce id), predicted
    deal = Opportunity.objects.create(exchange=ExchangeFactory(), name="Custody", opened_at=OPENED)
    predicted(deal, win_model(1))

    # when the sync runs, and even when everything is resent
    first = salesforce_sync()
    full = salesforce_sync(full=True)

    # then nothing was sent nor tracked
    assert (first.message, full.message) == ("Nothing to send (0 records unchanged).",) * 2
    assert salesforce.requests == []
    assert not SyncRecord.objects.filter(object_name="Opportunity").exists()
    assert "Opportunity" not in salesforce.org.records


def test_an_org_without_the_fields_stops_the_opportunities_naming_the_field_and_sends_the_accounts(salesforce):
    # given an org where the admin has not created the likelihood field yet, a scored exchange and a deal
    salesforce.org.remove_field("Opportunity", "Win_Likelihood__c")
    exchange = ExchangeFactory(name="Bybit", slug="bybit")
    score_change(exchange, 72, "A")
    deal = pulled_opportunity(salesforce, exchange)
    predicted(deal, win_model(1))

    # when the sync runs
    outcome = salesforce_sync()

    # then the account went out, the opportunity did not, and the message names the field
    assert outcome.status == "partial"
    assert outcome.message == (
        "The Salesforce field map does not fit the org: Opportunity.Win_Likelihood__c (Win likelihood (%)) does not "
        "exist in the org (or the integration user cannot see it). The win likelihood was not sent: 1 Opportunity "
        "records stay pending; the rest was sent."
    )
    assert len(salesforce.org.by_key("Account", f"exchange-{exchange.pk}")) == 1
    assert opportunity_updates(salesforce) == []
    assert dict(SyncRecord.objects.values_list("object_name", "state")) == {
        "Account": "confirmed",
        "Opportunity": "pending",
    }
    assert "Win_Likelihood_Model__c" not in in_org(salesforce, deal)


def test_a_field_removed_after_its_describe_was_read_stops_at_salesforces_invalid_field(salesforce):
    # given a deal already sent, then the field deleted in the org (the cached describe still has it)
    deal = pulled_opportunity(salesforce, ExchangeFactory())
    predicted(deal, win_model(1))
    salesforce_sync()
    salesforce.org.remove_field("Opportunity", "Win_Likelihood_Reasons__c")
    predicted(deal, win_model(2), likelihood=0.62)

    # when the sync runs, Salesforce answers INVALID_FIELD for the record
    outcome = salesforce_sync()

    # then the part stops naming the field, the record stays pending and keeps what Salesforce had
    assert outcome.status == "partial"
    assert outcome.message == (
        "Salesforce answered INVALID_FIELD: Opportunity.Win_Likelihood_Reasons__c does not exist in the org (or the "
        "integration user cannot see it). The win likelihood was not sent: 1 Opportunity records stay pending; the "
        "rest was sent."
    )
    assert SyncRecord.objects.get().state == "pending"
    assert in_org(salesforce, deal)["Win_Likelihood_Model__c"] == 1

    # and the next run reads the org's fields afresh: it stops before sending
    updates_before = len(opportunity_updates(salesforce))
    again = salesforce_sync()
    assert again.message.startswith(
        "The Salesforce field map does not fit the org: Opportunity.Win_Likelihood_Reasons__c"
    )
    assert len(opportunity_updates(salesforce)) == updates_before


def test_a_field_map_override_onto_a_field_salesforce_owns_is_refused(salesforce):
    # given a manager who maps the reasons onto the Opportunity's own Description
    FieldMapping.objects.create(object_name="Opportunity", source="win_reasons", salesforce_field="Description")
    deal = pulled_opportunity(salesforce, ExchangeFactory())
    predicted(deal, win_model(1))

    outcome = salesforce_sync()

    assert outcome.status == "partial"
    assert outcome.message.startswith(
        "The Salesforce field map does not fit the org: Opportunity.Description (Win likelihood's three strongest "
        "reasons, one per line) is Salesforce's own field: the product writes only its custom fields there."
    )
    assert opportunity_updates(salesforce) == []
    assert "Description" not in in_org(salesforce, deal)


def test_above_the_bulk_threshold_the_opportunities_go_as_one_bulk_update_job(salesforce, settings):
    settings.SALESFORCE_BULK_THRESHOLD = 2
    model = win_model(1)
    exchange = ExchangeFactory()
    deals = [pulled_opportunity(salesforce, exchange, name=f"Deal {n}") for n in range(3)]
    for deal in deals:
        predicted(deal, model)

    outcome = salesforce_sync()

    # then one Bulk API 2.0 update job by Id (never an upsert, which could create) carried the three
    assert outcome.status == "succeeded"
    assert salesforce.calls_to("POST", r"/jobs/ingest$")[0].json == {
        "object": "Opportunity",
        "contentType": "CSV",
        "operation": "update",
        "lineEnding": "LF",
    }
    uploaded = salesforce.calls_to("PUT", r"/batches$")[0].text
    assert uploaded.splitlines()[0] == "Id,Win_Likelihood__c,Win_Likelihood_Model__c,Win_Likelihood_Reasons__c"
    assert SyncRun.objects.first().bulk_jobs == 1
    assert set(SyncRecord.objects.values_list("state", flat=True)) == {"confirmed"}
    assert [in_org(salesforce, d)["Win_Likelihood__c"] for d in deals] == ["42"] * 3  # the CSV's text, as sent
    assert len(salesforce.org.all("Opportunity")) == 3


def test_the_reasons_are_written_in_the_orgs_language(salesforce, settings):
    settings.SALESFORCE_LANGUAGE = "ja"
    deal = pulled_opportunity(salesforce, ExchangeFactory())
    predicted(deal, win_model(1))

    with translation.override("en"):
        salesforce_sync()

    assert in_org(salesforce, deal)["Win_Likelihood_Reasons__c"] == (
        "作成時、競合クラウドがあるワークロードの 70% を担っていました: 可能性を下げます。\n"
        "作成時のルールスコアは 58: 可能性を高めます。"
    )


def test_the_dry_run_counts_the_opportunities(salesforce):
    deal = pulled_opportunity(salesforce, ExchangeFactory())
    predicted(deal, win_model(1))

    outcome = salesforce_sync(dry_run=True)

    assert outcome.plan_lines[0] == "Opportunity: 1 records via sObject Collections, 1 calls"
    assert outcome.plan_lines[-1] == "Total: 1 records, 2 API calls (1 describe); 0 unchanged records need no call."
    assert salesforce.requests == []
