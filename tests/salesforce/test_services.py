"""The sync end to end against the fake org: delta, wire format, partial failures, faults, limits,
Bulk API 2.0 above the threshold, campaigns and their members."""

import json

import pytest

from leads.salesforce.models import FieldMapping, SyncRecord, SyncRun, SyncState
from leads.salesforce.services import salesforce_sync
from tests.crm.factories import ExchangeFactory, jurisdiction
from tests.salesforce.factories import score_change, scored_exchanges

pytestmark = pytest.mark.django_db


def upserts(fake, object_name="Account"):
    return fake.calls_to("PATCH", rf"/composite/sobjects/{object_name}/Exchange_Intel_Key__c$")


def test_a_score_change_is_sent_as_one_collections_upsert_in_the_documented_format(salesforce):
    # given an exchange headquartered in Singapore whose score was just computed
    exchange = ExchangeFactory(name="Bybit", slug="bybit", website="https://www.bybit.com",
                               headquarters=jurisdiction("SG"))
    score_change(exchange, 72, "A")

    # when the sync runs
    outcome = salesforce_sync()

    # then one describe and one upsert went out, and the upsert body is exactly the documented shape
    assert outcome.status == "succeeded"
    assert [(r.method, r.path) for r in salesforce.requests] == [
        ("GET", "/services/data/v62.0/sobjects/Account/describe"),
        ("PATCH", "/services/data/v62.0/composite/sobjects/Account/Exchange_Intel_Key__c"),
    ]
    sent = upserts(salesforce)[0]
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.headers["Authorization"].startswith("Bearer 00Dfake!")
    assert sent.json == {
        "allOrNone": False,
        "records": [
            {
                "attributes": {"type": "Account"},
                "Exchange_Intel_Key__c": f"exchange-{exchange.pk}",
                "Name": "Bybit",
                "Website": "https://www.bybit.com",
                "BillingCountry": "Singapore",
                "Intel_Score__c": 72,
                "Intel_Grade__c": "A",
                "Intel_Top_Reasons__c": "+20 Alibaba Cloud holds 60% of its allocations\n+20 Mid-size exchange\n"
                "+10 Singapore DTSP regime in force",
                "Intel_Model_Version__c": 1,
                "Intel_Scored_At__c": "2025-09-01T09:00:00.000Z",
                "Intel_Our_Share__c": None,
                "Intel_Largest_Rival__c": None,
                "Intel_Largest_Rival_Share__c": None,
                "Intel_Compliance_Pressure__c": None,
            }
        ],
    }
    # and the Salesforce id is stored back, on the record and on the exchange
    account = salesforce.org.by_key("Account", f"exchange-{exchange.pk}")[0]
    record = SyncRecord.objects.get(object_name="Account")
    assert (record.state, record.salesforce_id) == ("confirmed", account["Id"])
    exchange.refresh_from_db()
    assert exchange.salesforce_account_id == account["Id"]
    run = SyncRun.objects.get()
    assert (run.records_sent, run.records_confirmed, run.records_failed, run.calls_used) == (1, 1, 0, 2)
    assert (run.api_usage, run.api_limit) == (2, 15000)
