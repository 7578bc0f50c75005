"""The beat task: thin, and harmless when the integration is off."""

import pytest

from leads.salesforce.models import SyncRun
from leads.salesforce.tasks import sync_salesforce_task
from tests.crm.factories import ExchangeFactory
from tests.salesforce.factories import score_change

pytestmark = pytest.mark.django_db


def test_the_task_runs_a_sync(salesforce):
    score_change(ExchangeFactory(), 72, "A")
    assert sync_salesforce_task.apply().get() == "succeeded"
    assert SyncRun.objects.get().records_confirmed == 1
    assert len(salesforce.org.all("Account")) == 1


def test_without_configuration_the_task_does_nothing(settings):
    settings.SALESFORCE_LOGIN_URL = ""
    score_change(ExchangeFactory(), 72, "A")
    assert sync_salesforce_task.apply().get() == "not_configured"
    assert SyncRun.objects.count() == 0


def test_the_task_is_on_beat_when_salesforce_is_configured(monkeypatch):
    import importlib

    import crm.settings

    monkeypatch.setenv("SALESFORCE_LOGIN_URL", "https://example.my.salesforce.com")
    monkeypatch.setenv("SALESFORCE_CLIENT_ID", "app")
    monkeypatch.setenv("SALESFORCE_SYNC_MINUTES", "5")
    reloaded = importlib.reload(crm.settings)
    try:
        assert reloaded.CELERY_BEAT_SCHEDULE["salesforce-sync"] == {"task": "salesforce.sync", "schedule": 300}
    finally:
        monkeypatch.delenv("SALESFORCE_LOGIN_URL")
        monkeypatch.delenv("SALESFORCE_CLIENT_ID")
        importlib.reload(crm.settings)
