"""The beat task: thin, and harmless when the integration is off."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from leads.salesforce.models import SyncRun
from leads.salesforce.tasks import pull_salesforce_task, sync_salesforce_task
from tests.crm.factories import ExchangeFactory
from tests.salesforce.factories import score_change

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_the_task_runs_a_sync(salesforce):
    score_change(ExchangeFactory(), 72, "A")
    assert sync_salesforce_task.apply().get() == "succeeded"
    assert SyncRun.objects.get().records_confirmed == 1
    assert len(salesforce.org.all("Account")) == 1


@pytest.mark.django_db
def test_without_configuration_the_task_does_nothing(settings):
    settings.SALESFORCE_LOGIN_URL = ""
    score_change(ExchangeFactory(), 72, "A")
    assert sync_salesforce_task.apply().get() == "not_configured"
    assert SyncRun.objects.count() == 0


def beat_schedule_with(**variables) -> dict:
    """The beat schedule a fresh process builds from these environment variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALESFORCE_")}
    env.update(DJANGO_SETTINGS_MODULE="crm.settings", CRM_IGNORE_DOTENV="1", **variables)
    probe = "import json; from django.conf import settings; print(json.dumps(settings.CELERY_BEAT_SCHEDULE))"
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_task_is_on_beat_only_when_salesforce_is_configured():
    configured = beat_schedule_with(
        SALESFORCE_LOGIN_URL="https://example.my.salesforce.com",
        SALESFORCE_CLIENT_ID="app",
        SALESFORCE_SYNC_MINUTES="5",
    )
    assert configured["salesforce-sync"] == {"task": "salesforce.sync", "schedule": 300}
    assert "salesforce-sync" not in beat_schedule_with()


def test_the_pull_is_on_beat_every_pull_interval_only_when_salesforce_is_configured():
    configured = beat_schedule_with(
        SALESFORCE_LOGIN_URL="https://example.my.salesforce.com",
        SALESFORCE_CLIENT_ID="app",
        SALESFORCE_PULL_MINUTES="20",
    )
    assert configured["salesforce-pull"] == {"task": "salesforce.pull", "schedule": 1200}
    assert "salesforce-pull" not in beat_schedule_with()


@pytest.mark.django_db
def test_the_pull_task_reads_back_the_org(salesforce):
    exchange = ExchangeFactory(name="Bybit")
    salesforce.org.insert("Account", {"Name": "Bybit", "Exchange_Intel_Key__c": f"exchange-{exchange.pk}"})
    assert pull_salesforce_task.apply().get() == "succeeded"
    exchange.refresh_from_db()
    assert exchange.salesforce_account_id == salesforce.org.all("Account")[0]["Id"]


@pytest.mark.django_db
def test_without_configuration_the_pull_task_does_nothing(settings):
    settings.SALESFORCE_LOGIN_URL = ""
    assert pull_salesforce_task.apply().get() == "not_configured"
    assert SyncRun.objects.count() == 0
