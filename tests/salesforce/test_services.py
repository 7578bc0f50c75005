"""The sync end to end against the fake org: delta, wire format, partial failures, faults, limits,
Bulk API 2.0 above the threshold, campaigns and their members."""

import datetime
import json

import pytest
from django.utils import timezone

from leads.salesforce.models import FieldMapping, SyncRecord, SyncRun, SyncState
from leads.salesforce.services import salesforce_sync
from tests.crm.factories import ExchangeFactory, jurisdiction
from tests.salesforce.factories import score_change, scored_exchanges

pytestmark = pytest.mark.django_db

# What the fake serves with seed 11 at a 30% rate over the fault test's calls.
FAULTS_SERVED = ["timeout", "timeout", "503", "503", "503", "503", "503", "timeout", "503"]


def upserts(fake, object_name="Account"):
    return fake.calls_to("PATCH", rf"/composite/sobjects/{object_name}/Exchange_Intel_Key__c$")


def test_a_score_change_is_sent_as_one_collections_upsert_in_the_documented_format(salesforce):
    # given an exchange headquartered in Singapore whose score was just computed
    exchange = ExchangeFactory(
        name="Bybit", slug="bybit", website="https://www.bybit.com", headquarters=jurisdiction("SG")
    )
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
                "Intel_Top_Reasons__c": "Alibaba Cloud holds 60% of its allocations (+20)\n"
                "Singapore DTSP regime in force (+10)\nMid-size exchange (+20)",
                "Intel_Model_Version__c": 1,
                "Intel_Scored_At__c": "2025-09-01T09:00:00.000Z",
                "Intel_Our_Share__c": None,
                "Intel_Largest_Rival__c": None,
                "Intel_Largest_Rival_Share__c": None,
                "Intel_Compliance_Pressure__c": None,
                "Intel_Size_Tier__c": "Unknown",
                "Intel_Size_Evidence__c": "Mid-size exchange",
                "Intel_Licences__c": None,
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


def test_ten_thousand_changed_exchanges_take_fifty_collections_calls_and_a_second_sync_none(salesforce, settings):
    # given 10,000 exchanges whose scores changed, and a Bulk threshold above that
    settings.SALESFORCE_BULK_THRESHOLD = 20_000
    exchanges = scored_exchanges(10_000)

    # when the sync runs twice in a row
    first = salesforce_sync()
    calls_after_first = len(salesforce.requests)
    second = salesforce_sync()

    # then the first run sent them in 50 Collections calls of 200 (plus one describe)...
    assert first.status == "succeeded"
    assert len(upserts(salesforce)) == 50
    assert [len(r.json["records"]) for r in upserts(salesforce)] == [200] * 50
    assert calls_after_first == 51
    assert len(salesforce.org.all("Account")) == 10_000
    assert SyncRecord.objects.filter(state="confirmed").exclude(salesforce_id="").count() == 10_000
    assert first.run.calls_used == 51
    # ...and the second made no call at all
    assert second.status == "succeeded"
    assert len(salesforce.requests) == calls_after_first
    assert second.run.calls_used == 0
    assert second.run.records_sent == 0
    assert salesforce.org.by_key("Account", f"exchange-{exchanges[-1].pk}")[0]["Name"] == "Exchange 09999"


def test_above_the_threshold_one_bulk_job_carries_every_record(salesforce):
    # given 2,500 changed exchanges: over the default threshold of 2,000
    exchanges = scored_exchanges(2_500)

    # when the sync runs, then again
    first = salesforce_sync()
    calls_after_first = len(salesforce.requests)
    salesforce_sync()

    # then one Bulk API 2.0 job: created, its CSV uploaded, closed, polled and its results read
    assert first.status == "succeeded"
    assert [(r.method, r.path.removeprefix("/services/data/v62.0")) for r in salesforce.requests] == [
        ("GET", "/sobjects/Account/describe"),
        ("POST", "/jobs/ingest"),
        ("PUT", "/jobs/ingest/750000000000001AAA/batches"),
        ("PATCH", "/jobs/ingest/750000000000001AAA"),
        ("GET", "/jobs/ingest/750000000000001AAA"),
        ("GET", "/jobs/ingest/750000000000001AAA"),
        ("GET", "/jobs/ingest/750000000000001AAA/successfulResults/"),
    ]
    create, upload, close = salesforce.requests[1:4]
    assert create.json == {
        "object": "Account",
        "externalIdFieldName": "Exchange_Intel_Key__c",
        "contentType": "CSV",
        "operation": "upsert",
        "lineEnding": "LF",
    }
    assert upload.headers["Content-Type"] == "text/csv"
    lines = upload.text.split("\n")
    assert lines[0] == (
        "Exchange_Intel_Key__c,Name,Website,BillingCountry,Intel_Score__c,Intel_Grade__c,Intel_Top_Reasons__c,"
        "Intel_Model_Version__c,Intel_Scored_At__c,Intel_Our_Share__c,Intel_Largest_Rival__c,"
        "Intel_Largest_Rival_Share__c,Intel_Compliance_Pressure__c,Intel_Size_Tier__c,Intel_Size_Evidence__c,"
        "Intel_Licences__c"
    )
    assert lines[1] == (
        f"exchange-{exchanges[0].pk},Exchange 00000,https://x0.example.com,#N/A,55,B,"
        "Alibaba Cloud holds 60% of its allocations (+20),1,2025-09-01T09:00:00.000Z,#N/A,#N/A,#N/A,#N/A,"
        "Unknown,#N/A,#N/A"
    )
    assert len(lines) == 2_502  # header, 2,500 rows, and the final line ending
    assert close.json == {"state": "UploadComplete"}
    assert first.run.bulk_jobs == 1
    assert len(salesforce.org.all("Account")) == 2_500
    assert SyncRecord.objects.filter(state="confirmed").exclude(salesforce_id="").count() == 2_500
    # and the second run made no call
    assert len(salesforce.requests) == calls_after_first


def test_three_bad_records_of_two_hundred_are_reported_and_the_others_stored_with_their_ids(salesforce):
    # given 200 changed exchanges, three of which Salesforce will refuse
    exchanges = scored_exchanges(200)
    bad = {
        f"exchange-{exchanges[10].pk}": ("REQUIRED_FIELD_MISSING", "Required fields are missing: [Industry]"),
        f"exchange-{exchanges[20].pk}": ("DUPLICATE_VALUE", "duplicate value found: Website"),
        f"exchange-{exchanges[30].pk}": ("DUPLICATE_EXTERNAL_ID", "Exchange_Intel_Key__c: more than one record"),
    }
    for key, problem in bad.items():
        salesforce.org.record_errors[("Account", key)] = problem

    # when the sync runs
    outcome = salesforce_sync()

    # then the three are reported with Salesforce's codes, the 197 others stored with their ids
    assert outcome.status == "partial"
    assert outcome.message == "3 records refused by Salesforce, 0 to retry."
    failed = SyncRecord.objects.filter(state="failed").order_by("key")
    assert {r.key: (r.error_code, r.error_message) for r in failed} == bad
    confirmed = SyncRecord.objects.filter(state="confirmed")
    assert confirmed.count() == 197
    assert set(confirmed.values_list("salesforce_id", flat=True)) == {a["Id"] for a in salesforce.org.all("Account")}
    run = outcome.run
    assert (run.records_sent, run.records_confirmed, run.records_failed, run.calls_used) == (200, 197, 3, 2)

    # and the refused ones are not resent until they change
    salesforce_sync()
    assert len(upserts(salesforce)) == 1


def test_a_locked_row_is_retried_next_run_and_then_confirmed(salesforce):
    # given a change Salesforce cannot apply now because the record is locked
    exchange = ExchangeFactory()
    score_change(exchange, 40, "C")
    salesforce.org.record_errors[("Account", f"exchange-{exchange.pk}")] = (
        "UNABLE_TO_LOCK_ROW",
        "unable to obtain exclusive access to this record",
    )
    first = salesforce_sync()
    assert first.status == "partial"
    assert SyncRecord.objects.get().state == "retry"

    # when the lock is gone and the next run comes
    salesforce.org.record_errors.clear()
    second = salesforce_sync()

    # then the record is sent again and confirmed
    assert second.status == "succeeded"
    record = SyncRecord.objects.get()
    assert (record.state, record.error_code, record.attempts) == ("confirmed", "", 2)
    assert len(salesforce.org.by_key("Account", f"exchange-{exchange.pk}")) == 1


def test_a_missing_field_stops_the_sync_naming_it_before_anything_is_sent(salesforce):
    # given an org where the admin has not created the score field yet
    salesforce.org.remove_field("Account", "Intel_Score__c")
    score_change(ExchangeFactory(), 72, "A")

    # when the sync runs
    outcome = salesforce_sync()

    # then it stops, naming the field, after only the describe: nothing was sent
    assert outcome.status == "failed"
    assert outcome.message == (
        "The Salesforce field map does not fit the org: Account.Intel_Score__c (Lead score (0-100)) does not exist "
        "in the org (or the integration user cannot see it) Nothing was sent."
    )
    assert [r.method for r in salesforce.requests] == ["GET"]
    assert SyncRecord.objects.get().state == "pending"


def test_an_override_in_the_admin_sends_the_value_to_another_field_and_is_validated(salesforce):
    # given a manager who maps the grade to a field the org does not have
    FieldMapping.objects.create(object_name="Account", source="grade", salesforce_field="Rating__c")
    score_change(ExchangeFactory(), 72, "A")

    # when the sync runs, it stops naming that field
    outcome = salesforce_sync()
    assert "Account.Rating__c (Grade (A-D)) does not exist in the org" in outcome.message
    assert upserts(salesforce) == []

    # and once the override points at an existing text field, the grade goes there
    FieldMapping.objects.filter(source="grade").update(salesforce_field="Intel_Largest_Rival__c")
    FieldMapping.objects.create(object_name="Account", source="largest_rival", salesforce_field="")
    assert salesforce_sync().status == "succeeded"
    record = upserts(salesforce)[0].json["records"][0]
    assert record["Intel_Largest_Rival__c"] == "A"
    assert "Intel_Grade__c" not in record


def test_with_nothing_changed_no_api_call_is_made(salesforce):
    # given a product with scores already sent
    score_change(ExchangeFactory(), 72, "A")
    salesforce_sync()
    requests_before = len(salesforce.requests)

    # when the sync runs again with no change
    outcome = salesforce_sync()

    # then no call was made, not even a sign-in
    assert outcome.status == "succeeded"
    assert outcome.message == "Nothing to send (0 records unchanged)."
    assert len(salesforce.requests) == requests_before
    assert len(salesforce.token_requests) == 1


def test_a_rescore_that_changes_nothing_sent_costs_no_call(salesforce):
    # given a confirmed account, rescored (a new ScoreChange) with the same values
    exchange = ExchangeFactory()
    score_change(exchange, 72, "A")
    salesforce_sync()
    score_change(exchange, 72, "A")

    # when the sync runs
    outcome = salesforce_sync()

    # then the record was settled without a call
    assert outcome.message == "Nothing to send (1 records unchanged)."
    assert len(upserts(salesforce)) == 1


def test_the_latest_score_is_what_reaches_salesforce(salesforce):
    # given three rescores of one exchange between two syncs
    exchange = ExchangeFactory()
    score_change(exchange, 40, "C")
    salesforce_sync()
    score_change(exchange, 55, "B")
    score_change(exchange, 81, "A")

    # when the sync runs
    salesforce_sync()

    # then one record was sent, with the latest score
    last = upserts(salesforce)[-1].json["records"]
    assert [(r["Intel_Score__c"], r["Intel_Grade__c"]) for r in last] == [(81, "A")]
    assert salesforce.org.by_key("Account", f"exchange-{exchange.pk}")[0]["Intel_Score__c"] == 81
    assert SyncState.objects.get().score_change_cursor == exchange.score_changes.order_by("-pk").first().pk


def test_dry_run_prints_what_would_be_sent_and_changes_nothing(salesforce, settings):
    # given 450 changed exchanges
    scored_exchanges(450)

    # when a dry run is asked for
    outcome = salesforce_sync(dry_run=True)

    # then it says what it would send and what it would cost, without any call or change
    assert outcome.plan_lines[0] == "Account: 450 records via sObject Collections, 3 calls"
    first = json.loads(outcome.plan_lines[1].removeprefix("  first: "))
    assert (first["Name"], first["Intel_Score__c"]) == ("Exchange 00000", 55)
    assert outcome.plan_lines[-1] == "Total: 450 records, 4 API calls (1 describe); 0 unchanged records need no call."
    assert salesforce.requests == []
    assert SyncRecord.objects.count() == 0
    assert SyncRun.objects.count() == 0
    assert not SyncState.objects.exists()


def test_with_thirty_percent_of_calls_failing_every_record_arrives_once_with_its_latest_score(salesforce, settings):
    # given 4,000 changed exchanges (sent by Collections), and an org failing 30% of calls with 503 or a timeout
    settings.SALESFORCE_BULK_THRESHOLD = 20_000
    # (a second for an answer: a call of 200 records answered normally but slowly on a busy machine must
    # not count as one more timeout than the org served)
    settings.SALESFORCE_TIMEOUT_SECONDS = 1.0
    settings.SALESFORCE_MAX_RETRIES = 3
    salesforce.timeout_delay = 1.5
    exchanges = scored_exchanges(4_000)
    salesforce.fail_randomly(0.3, ("503", "timeout"), seed=11)

    # when the sync runs, 1,000 scores change again, and it runs a second time
    first = salesforce_sync()
    for exchange in exchanges[:1_000]:
        score_change(exchange, 90, "A")
    second = salesforce_sync()

    # then every exchange is in the org exactly once, with its latest score
    accounts = salesforce.org.all("Account")
    assert len(accounts) == 4_000
    assert sorted(a["Exchange_Intel_Key__c"] for a in accounts) == sorted(f"exchange-{e.pk}" for e in exchanges)
    latest = {a["Exchange_Intel_Key__c"]: a["Intel_Score__c"] for a in accounts}
    assert {latest[f"exchange-{e.pk}"] for e in exchanges[:1_000]} == {90}
    assert {latest[f"exchange-{e.pk}"] for e in exchanges[1_000:]} == {55}
    assert SyncRecord.objects.filter(state="confirmed").count() == 4_000
    assert (first.status, second.status) == ("succeeded", "succeeded")
    # and the history shows each fault met and retried, in order
    assert salesforce.faults_served == FAULTS_SERVED
    runs = [first.run, second.run]
    assert sum(run.retries for run in runs) == len(FAULTS_SERVED)
    assert sum(run.calls_used for run in runs) == len(salesforce.requests) == 26 + len(FAULTS_SERVED)
    kinds = {"503": "HTTP 503", "timeout": "ReadTimeout"}
    retried = [line.split(" on ")[0] for run in runs for line in run.log if ": retry " in line]
    assert retried == [kinds[fault] for fault in FAULTS_SERVED]


def test_when_salesforce_stays_down_the_run_stops_and_the_next_sends_what_was_not_confirmed(salesforce, settings):
    # given 400 changed exchanges, and an org that answers the second upsert with 503 through every retry
    settings.SALESFORCE_MAX_RETRIES = 2
    scored_exchanges(400)
    salesforce.fail_next("", "", "503", "503", "503")  # describe and first upsert pass

    # when the sync runs
    first = salesforce_sync()

    # then the run is marked interrupted, with the first 200 confirmed and 200 still pending
    assert first.status == "interrupted"
    assert first.message == (
        "Salesforce unavailable: HTTP 503 on PATCH /services/data/v62.0/composite/sobjects/Account/"
        "Exchange_Intel_Key__c; gave up after 3 attempts. Unconfirmed records stay pending."
    )
    assert SyncRecord.objects.filter(state="confirmed").count() == 200
    assert SyncRecord.objects.filter(state="pending").count() == 200
    assert first.run.log == [
        "HTTP 503 on PATCH /services/data/v62.0/composite/sobjects/Account/Exchange_Intel_Key__c: retry 1 in "
        + first.run.log[0].rsplit(" in ", 1)[1],
        "HTTP 503 on PATCH /services/data/v62.0/composite/sobjects/Account/Exchange_Intel_Key__c: retry 2 in "
        + first.run.log[1].rsplit(" in ", 1)[1],
    ]

    # and the next run sends only those 200
    second = salesforce_sync()
    assert second.status == "succeeded"
    assert [len(r.json["records"]) for r in upserts(salesforce)][-1:] == [200]
    assert second.run.records_sent == 200
    assert len(salesforce.org.all("Account")) == 400


def test_a_run_killed_half_way_is_shown_as_interrupted_and_its_records_go_next_run(salesforce):
    # given a run that died with its lock held and its records pending (the process was killed)
    score_change(ExchangeFactory(), 72, "A")
    dead = SyncRun.objects.create(started_at=timezone.now() - datetime.timedelta(hours=1))
    from leads.salesforce.lock import sync_lock_acquire
    from leads.salesforce.services import sync_changes_collect

    sync_lock_acquire(holder="dead-worker", now=timezone.now() - datetime.timedelta(hours=1), seconds=900)
    sync_changes_collect(full=False, now=timezone.now())

    # when the next run starts after the lock's lease ran out
    outcome = salesforce_sync()

    # then it sends the pending record, and the dead run says what happened
    assert outcome.status == "succeeded"
    assert outcome.run.records_confirmed == 1
    dead.refresh_from_db()
    assert dead.status == "interrupted"
    assert len(salesforce.org.all("Account")) == 1


def test_two_syncs_never_run_at_once(salesforce):
    # given a sync holding the lock
    from leads.salesforce.lock import sync_lock_acquire

    score_change(ExchangeFactory(), 72, "A")
    assert sync_lock_acquire(holder="worker-1", now=timezone.now(), seconds=900)

    # when another starts
    outcome = salesforce_sync()

    # then it does not run, sends nothing and records no run
    assert (outcome.status, outcome.message) == ("locked", "Another sync is running; this one did not start.")
    assert salesforce.requests == []
    assert SyncRun.objects.count() == 0
    assert SyncRecord.objects.count() == 0


def test_request_limit_exceeded_with_the_daily_budget_spent_pauses_for_the_window(salesforce, settings):
    # given 400 changed exchanges and an org whose daily budget runs out after the first upsert
    settings.SALESFORCE_LIMIT_COOLDOWN_SECONDS = 3600
    settings.SALESFORCE_BUDGET_SHARE = 1.0
    salesforce.org.api_limit = 2
    scored_exchanges(400)

    # when the sync runs
    outcome = salesforce_sync()

    # then it stops without retrying, keeps the rest pending and pauses for the rolling window
    assert outcome.status == "limited"
    state = SyncState.objects.get()
    assert outcome.message == (
        "Stopped before PATCH /services/data/v62.0/composite/sobjects/Account/Exchange_Intel_Key__c: the org "
        "has used 2 of its 2 daily API calls, at or over the 100% share we may use. Next run in 60 minutes, at "
        f"{state.resume_after:%H:%M:%S} UTC."
    )
    assert len(salesforce.requests) == 2
    assert SyncRecord.objects.filter(state="pending").count() == 200
    assert state.resume_after > timezone.now() + datetime.timedelta(minutes=59)
    # and a run during the pause makes no call
    assert salesforce_sync().status == "waiting"
    assert len(salesforce.requests) == 2


def test_request_limit_exceeded_far_below_the_daily_budget_pauses_for_seconds(salesforce, settings):
    # given an org that has used 3 of 15,000 calls and refuses one request (a concurrency limit)
    settings.SALESFORCE_LIMIT_COOLDOWN_SECONDS = 3600
    settings.SALESFORCE_LIMIT_SHORT_COOLDOWN_SECONDS = 60
    scored_exchanges(400)
    salesforce.fail_next("", "", "limit")

    # when the sync runs
    outcome = salesforce_sync()

    # then the pause is a minute, not an hour, and the message says why
    state = SyncState.objects.get()
    assert outcome.message.endswith(
        f"Next run in 60 seconds, at {state.resume_after:%H:%M:%S} UTC "
        "(the org has used only 3 of 15000 daily calls: a short limit)."
    )
    assert timezone.now() + datetime.timedelta(seconds=55) < state.resume_after
    assert state.resume_after <= timezone.now() + datetime.timedelta(seconds=60)
    # and a run with force goes on at once, sending the 200 left
    assert salesforce_sync(force=True).status == "succeeded"
    assert SyncRecord.objects.filter(state="confirmed").count() == 400


def test_the_sync_stops_before_using_more_than_its_share_of_the_daily_budget(salesforce):
    # given an org that has used 79.9% of its daily budget, and 600 changed exchanges
    salesforce.org.api_limit = 1000
    salesforce.org.api_used = 797
    scored_exchanges(600)

    # when the sync runs
    outcome = salesforce_sync()

    # then it stops once the org reaches 80%, before the next call
    assert outcome.status == "limited"
    assert outcome.message.startswith(
        "Stopped before PATCH /services/data/v62.0/composite/sobjects/Account/Exchange_Intel_Key__c: "
        "the org has used 800 of its 1000 daily API calls, at or over the 80% share we may use."
    )
    assert [r.method for r in salesforce.requests] == ["GET", "PATCH", "PATCH"]
    assert (outcome.run.api_usage, outcome.run.api_limit) == (800, 1000)
    assert SyncRecord.objects.filter(state="confirmed").count() == 400


def test_an_expired_session_signs_in_again_once(salesforce):
    # given a sync that signed in, then a session Salesforce expired
    exchange = ExchangeFactory()
    score_change(exchange, 40, "C")
    salesforce.fail_next("", "401")

    # when the sync runs
    outcome = salesforce_sync()

    # then it signed in again and the upsert went through
    assert outcome.status == "succeeded"
    assert len(salesforce.token_requests) == 2
    assert [r.method for r in salesforce.requests] == ["GET", "PATCH", "PATCH"]
    assert outcome.run.log == [
        "401 on PATCH /services/data/v62.0/composite/sobjects/Account/Exchange_Intel_Key__c: signed in again"
    ]
