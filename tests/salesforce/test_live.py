"""The same flow against a real sandbox org: opt-in with SALESFORCE_LIVE=1 and the SALESFORCE_* variables
(login URL, client id, username and private key file, or client secret). Skipped otherwise, also in CI."""

import os

import pytest
from django.core.cache import cache

from leads.salesforce.conf import salesforce_settings
from leads.salesforce.models import SyncRecord
from leads.salesforce.services import salesforce_sync
from tests.crm.factories import ExchangeFactory
from tests.salesforce.factories import followed_up, score_change, webx

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(os.environ.get("SALESFORCE_LIVE") != "1", reason="opt-in: SALESFORCE_LIVE=1 and credentials"),
]


def test_a_sandbox_org_receives_an_account_a_campaign_and_a_member(settings):
    for name in ("LOGIN_URL", "CLIENT_ID", "USERNAME", "PRIVATE_KEY_FILE", "CLIENT_SECRET", "AUDIENCE"):
        setattr(settings, f"SALESFORCE_{name}", os.environ.get(f"SALESFORCE_{name}", ""))
    assert salesforce_settings().is_configured, "SALESFORCE_LIVE=1 needs SALESFORCE_LOGIN_URL and SALESFORCE_CLIENT_ID"
    cache.clear()
    exchange = ExchangeFactory(name="Exchange Intel live test", slug="exchange-intel-live-test")
    score_change(exchange, 72, "A")
    follow_up = followed_up(webx(), "Live Test Person", email="live-test@example.com", exchange=exchange)

    first = salesforce_sync()
    assert first.status == "succeeded", first.message
    assert SyncRecord.objects.filter(state="confirmed").exclude(salesforce_id="").count() == 8

    follow_up.status = "contacted"
    follow_up.save()
    second = salesforce_sync()
    assert second.status == "succeeded", second.message
    assert second.run.records_confirmed == 1
