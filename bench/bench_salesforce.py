"""Salesforce sync: 10,000 changed exchanges against the fake org on loopback, by sObject Collections and
by one Bulk API 2.0 job. The limit that matters is the API budget: the fewest calls that can carry N
records is ceil(N / 200) Collections calls (Salesforce's cap per call), so the ratio printed is calls
used over that floor (the describe call included); wall time is shown per 1,000 records."""

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
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from django.conf import settings
    from django.core.cache import cache

    from leads.salesforce.services import salesforce_sync
    from tests.salesforce.fake.server import FakeSalesforce

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
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
