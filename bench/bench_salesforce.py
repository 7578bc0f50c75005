"""Salesforce sync: 10,000 changed exchanges against the fake org on loopback, by sObject Collections and
by one Bulk API 2.0 job. The limit that matters is the API budget: the fewest calls that can carry N
records is ceil(N / 200) Collections calls (Salesforce's cap per call), so the ratio printed is calls
used over that floor (the describe call included); wall time is shown per 1,000 records.

The read back (--pull): 10,000 changed opportunities in the fake org, pulled by REST queryAll pages and by
one Bulk API 2.0 query job (above SALESFORCE_PULL_BULK_THRESHOLD), each owned by one of 20 org users
whose emails (in another case) are 20 product users' (matched by Owner.Email, one user query per page);
then a pull with nothing changed, which must make no record call. The call floor is ceil(N / 2000), the
records one REST query page carries; the time floor is writing the same 10,000 opportunities and their
first stage changes with bulk_create in the same run, so the ratio is what reading, validating and
applying them one by one costs over that.

The win likelihood (opportunities): 10,000 opportunities pulled from Salesforce, each with a prediction of
a new model version, written onto their Opportunities by sObject Collections updates and by one Bulk
API 2.0 update job; the same call floor as the accounts, and a next sync with nothing new makes none."""

import math
import time

from bench.common import machine, setup_django

RECORDS = 10_000


def setup(size: int) -> dict[str, int]:
    """The set-up from an empty database (or a previous run's): `size` scored exchanges, nothing synced."""
    from crm.models import Exchange
    from leads.models import Score, ScoreChange
    from leads.salesforce.models import SyncRecord, SyncRun, SyncState
    from tests.salesforce.factories import scored_exchanges

    SyncRecord.objects.all().delete()
    SyncRun.objects.all().delete()
    SyncState.objects.all().delete()
    ScoreChange.objects.filter(exchange__slug__startswith="bulk-").delete()
    Score.objects.filter(exchange__slug__startswith="bulk-").delete()
    Exchange.objects.filter(slug__startswith="bulk-").delete()
    scored_exchanges(size)
    return {"scores": Score.objects.filter(exchange__slug__startswith="bulk-").count()}


def main() -> None:
    setup_django("postgres://postgres@127.0.0.1:5432/bench_salesforce")
    push()
    opportunities()
    pull()


def _keys() -> tuple[str, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def pull() -> None:
    import datetime

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.utils import timezone

    from crm.models import Exchange
    from leads.choices import OpportunitySource, OpportunityStage
    from leads.models import Opportunity, OpportunityStageChange
    from leads.salesforce.models import PullCursor, PulledAccount, PullIssue, SyncRun, SyncState
    from leads.salesforce.services import salesforce_pull
    from tests.salesforce.fake.server import FakeSalesforce

    private, public = _keys()
    owners = [f"bench-owner-{n:02d}@example.com" for n in range(20)]
    for email in owners:
        get_user_model().objects.get_or_create(username=email.split("@")[0], defaults={"email": email})
    stages = ["Prospecting", "Qualification", "Proposal/Price Quote", "Negotiation/Review", "Closed Won", "Closed Lost"]

    def reset() -> Exchange:
        OpportunityStageChange.objects.filter(opportunity__exchange__slug="bench-pull").delete()
        Opportunity.objects.filter(exchange__slug="bench-pull").delete()
        for model in (PullCursor, PulledAccount, PullIssue, SyncState):
            model.objects.all().delete()
        SyncRun.objects.filter(is_pull=True).delete()
        exchange, _ = Exchange.objects.get_or_create(slug="bench-pull", defaults={"name": "Bench Pull Exchange"})
        return exchange

    # The floor: the same rows written in bulk.
    exchange = reset()
    opened = timezone.now() - datetime.timedelta(days=30)
    started = time.perf_counter()
    rows = Opportunity.objects.bulk_create(
        [
            Opportunity(
                exchange=exchange,
                name=f"Deal {n:05d}",
                stage=OpportunityStage.PROSPECTING,
                opened_at=opened,
                salesforce_id=f"006F{n:014d}",
            )
            for n in range(RECORDS)
        ]
    )
    OpportunityStageChange.objects.bulk_create(
        [
            OpportunityStageChange(
                opportunity=o, to_stage=o.stage, changed_at=opened, source=OpportunitySource.SALESFORCE
            )
            for o in rows
        ]
    )
    floor_seconds = time.perf_counter() - started
    call_floor = math.ceil(RECORDS / 2000)
    print(f"pull floor: {RECORDS} opportunities and stage changes by bulk_create in {floor_seconds:.2f} s")

    for way, threshold in (("REST queryAll pages", RECORDS * 2), ("Bulk API 2.0 query", 2000)):
        exchange = reset()
        with FakeSalesforce(client_id="bench", username="bench@example.com", public_key=public) as fake:
            settings.SALESFORCE_LOGIN_URL = fake.url
            settings.SALESFORCE_CLIENT_ID = "bench"
            settings.SALESFORCE_USERNAME = "bench@example.com"
            settings.SALESFORCE_PRIVATE_KEY = private
            settings.SALESFORCE_PULL_BULK_THRESHOLD = threshold
            settings.SALESFORCE_BULK_POLL_SECONDS = 0.01
            cache.clear()
            account = fake.org.insert(
                "Account", {"Name": exchange.name, "Exchange_Intel_Key__c": f"exchange-{exchange.pk}"}
            )
            created = opened.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
            org_users = [fake.org.insert("User", {"LastName": e, "Email": e.upper()})["Id"] for e in owners]
            for n in range(RECORDS):
                fake.org.insert(
                    "Opportunity",
                    {
                        "AccountId": account["Id"],
                        "Name": f"Deal {n:05d}",
                        "StageName": stages[n % len(stages)],
                        "Amount": 1000 + n,
                        "CloseDate": "2027-03-31",
                        "CreatedDate": created,
                        "OwnerId": org_users[n % len(org_users)],
                    },
                )
            started = time.perf_counter()
            first = salesforce_pull()
            elapsed = time.perf_counter() - started
            fake.requests.clear()
            started = time.perf_counter()
            second = salesforce_pull()
            idle = time.perf_counter() - started
            record_calls = [r for r in fake.requests if "COUNT()" not in r.soql]
        run = first.run
        owned = Opportunity.objects.filter(exchange=exchange, owner__username__startswith="bench-owner-").count()
        print(
            f"pull by {way}: {run.records_read} changed records ({RECORDS} opportunities, 1 account) in "
            f"{elapsed:.1f} s ({1000 * elapsed / RECORDS:.2f} s per 1,000; "
            f"{elapsed / floor_seconds:.1f} x the bulk_create floor), {run.calls_used} API calls "
            f"({run.bulk_jobs} bulk query jobs), status {run.status}, "
            f"{run.records_applied} applied, {owned} with their owner; "
            f"call floor {call_floor}, ratio {run.calls_used / call_floor:.2f}; "
            f"nothing changed: {second.run.calls_used} calls (COUNT() per object), {len(record_calls)} record calls, "
            f"{idle * 1000:.0f} ms"
        )


def opportunities() -> None:
    import datetime

    from django.conf import settings
    from django.core.cache import cache
    from django.utils import timezone

    from crm.models import Exchange
    from leads.models import Opportunity, WinModel, WinPrediction
    from leads.salesforce.models import SyncRecord, SyncRun, SyncState
    from leads.salesforce.services import salesforce_sync
    from tests.salesforce.fake.server import FakeSalesforce

    private, public = _keys()
    opened = timezone.now() - datetime.timedelta(days=30)
    contributions = [
        {"group": "rival_share", "weight": -0.9, "raw": {"rival_share": 70}},
        {"group": "rules", "weight": 0.4, "raw": {"rules_score": 58}},
        {"group": "size", "weight": 0.2, "raw": {"size_tier": "mid", "volume_btc": 1200}},
    ]
    for way, threshold in (("sObject Collections", RECORDS * 2), ("Bulk API 2.0", 2000)):
        for model in (SyncRecord, SyncRun, SyncState):
            model.objects.all().delete()
        WinPrediction.objects.filter(opportunity__exchange__slug="bench-win").delete()
        Opportunity.objects.filter(exchange__slug="bench-win").delete()
        WinModel.objects.filter(version__gte=900_000).delete()
        exchange, _ = Exchange.objects.get_or_create(slug="bench-win", defaults={"name": "Bench Win Exchange"})
        with FakeSalesforce(client_id="bench", username="bench@example.com", public_key=public) as fake:
            settings.SALESFORCE_LOGIN_URL = fake.url
            settings.SALESFORCE_CLIENT_ID = "bench"
            settings.SALESFORCE_USERNAME = "bench@example.com"
            settings.SALESFORCE_PRIVATE_KEY = private
            settings.SALESFORCE_BULK_THRESHOLD = threshold
            settings.SALESFORCE_BULK_POLL_SECONDS = 0.01
            cache.clear()
            in_org = [
                fake.org.insert("Opportunity", {"Name": f"Deal {n:05d}", "StageName": "Prospecting"})["Id"]
                for n in range(RECORDS)
            ]
            deals = Opportunity.objects.bulk_create(
                [
                    Opportunity(exchange=exchange, name=f"Deal {n:05d}", opened_at=opened, salesforce_id=salesforce_id)
                    for n, salesforce_id in enumerate(in_org)
                ]
            )
            model = WinModel.objects.create(
                version=900_000, trained_at=opened, feature_names=[], parameters={}, metrics={}
            )
            WinPrediction.objects.bulk_create(
                WinPrediction(
                    opportunity=deal,
                    model=model,
                    likelihood=(n % 100) / 100,
                    contributions=contributions,
                    as_of=opened,
                    predicted_at=opened,
                )
                for n, deal in enumerate(deals)
            )
            started = time.perf_counter()
            first = salesforce_sync()
            elapsed = time.perf_counter() - started
            started = time.perf_counter()
            second = salesforce_sync()
            idle = time.perf_counter() - started
        floor = math.ceil(RECORDS / 200)
        run = first.run
        print(
            f"win likelihood by {way}: {RECORDS} opportunities in {elapsed:.1f} s "
            f"({1000 * elapsed / RECORDS:.2f} s per 1,000), {run.calls_used} API calls ({run.bulk_jobs} bulk jobs), "
            f"{run.records_confirmed} confirmed, status {run.status}; floor {floor} calls, "
            f"ratio {run.calls_used / floor:.2f}; next sync: {second.run.calls_used} calls in {idle * 1000:.0f} ms"
        )
    WinPrediction.objects.filter(opportunity__exchange__slug="bench-win").delete()
    Opportunity.objects.filter(exchange__slug="bench-win").delete()
    WinModel.objects.filter(version__gte=900_000).delete()


def push() -> None:
    from django.conf import settings
    from django.core.cache import cache

    from leads.salesforce.services import salesforce_sync
    from tests.salesforce.fake.server import FakeSalesforce

    private, public = _keys()
    print(f"machine: {machine()}")
    for way, threshold in (("sObject Collections", RECORDS * 2), ("Bulk API 2.0", 2000)):
        setup(RECORDS)
        with FakeSalesforce(client_id="bench", username="bench@example.com", public_key=public) as fake:
            settings.SALESFORCE_LOGIN_URL = fake.url
            settings.SALESFORCE_CLIENT_ID = "bench"
            settings.SALESFORCE_USERNAME = "bench@example.com"
            settings.SALESFORCE_PRIVATE_KEY = private
            settings.SALESFORCE_BULK_THRESHOLD = threshold
            settings.SALESFORCE_BULK_POLL_SECONDS = 0.01
            cache.clear()
            started = time.perf_counter()
            first = salesforce_sync()
            elapsed = time.perf_counter() - started
            started = time.perf_counter()
            second = salesforce_sync()
            idle = time.perf_counter() - started
        floor = math.ceil(RECORDS / 200)
        run = first.run
        print(
            f"{way}: {RECORDS} changed exchanges in {elapsed:.1f} s ({1000 * elapsed / RECORDS:.2f} s per 1,000), "
            f"{run.calls_used} API calls ({run.bulk_jobs} bulk jobs), status {run.status}; "
            f"floor {floor} calls, ratio {run.calls_used / floor:.2f}; "
            f"next sync: {second.run.calls_used} calls in {idle * 1000:.0f} ms"
        )
