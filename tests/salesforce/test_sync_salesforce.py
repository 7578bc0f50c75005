"""The command: a dry run says what it would send; a run prints its figures; no configuration, a clear error."""

import pytest
from django.core.management import CommandError, call_command

from leads.salesforce.models import SyncRun
from tests.crm.factories import ExchangeFactory
from tests.salesforce.factories import score_change

pytestmark = pytest.mark.django_db


def test_dry_run_prints_the_plan_and_sends_nothing(salesforce, capsys):
    score_change(ExchangeFactory(name="Bybit", slug="bybit"), 72, "A")
    call_command("sync_salesforce", "--dry-run")
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Account: 1 records via sObject Collections, 1 calls"
    assert out[-1] == "Total: 1 records, 2 API calls (1 describe); 0 unchanged records need no call."
    assert salesforce.requests == []
    assert SyncRun.objects.count() == 0


def test_a_run_prints_what_it_sent_and_cost(salesforce, capsys):
    score_change(ExchangeFactory(), 72, "A")
    call_command("sync_salesforce")
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "  Account: 1 answered, 1 records sent so far",
        "Succeeded: 1 sent, 1 confirmed, 0 refused, 0 to retry; 2 API calls (0 retries, 0 bulk jobs), "
        "org budget 2/15000.",
    ]


def test_full_resends_what_salesforce_confirmed_before(salesforce, capsys):
    # given an exchange Salesforce confirmed, then lost (a sandbox refresh, a mass delete)
    exchange = ExchangeFactory(name="Bybit")
    score_change(exchange, 72, "A")
    call_command("sync_salesforce")
    account = salesforce.org.all("Account")[0]
    salesforce.org.delete("Account", account["Id"])
    capsys.readouterr()

    # when a plain run finds nothing changed, and --full is asked for
    call_command("sync_salesforce", "--dry-run")
    assert (
        capsys.readouterr().out.splitlines()[-1] == "Nothing to send: 0 API calls (0 unchanged records need no call)."
    )
    call_command("sync_salesforce", "--full", "--dry-run")
    assert capsys.readouterr().out.splitlines()[0] == "Account: 1 records via sObject Collections, 1 calls"
    call_command("sync_salesforce", "--full")

    # then the account is in the org again
    assert [a["Name"] for a in salesforce.org.all("Account")] == ["Bybit"]


def test_a_paused_run_exits_non_zero_saying_when_it_resumes_and_force_sends_now(salesforce, capsys):
    # given a sync paused after an API limit
    import datetime

    from django.utils import timezone

    from leads.salesforce.models import SyncState

    score_change(ExchangeFactory(name="Bybit"), 72, "A")
    resume = timezone.now() + datetime.timedelta(minutes=30)
    SyncState.objects.update_or_create(pk=1, defaults={"resume_after": resume})

    # when the command runs, it refuses with when it resumes, and sends nothing
    with pytest.raises(CommandError, match=f"Sync waiting: Paused after an API limit until {resume:%H:%M:%S} UTC"):
        call_command("sync_salesforce")
    assert salesforce.requests == []

    # and with --force it sends now and lifts the pause
    call_command("sync_salesforce", "--force")
    assert [a["Name"] for a in salesforce.org.all("Account")] == ["Bybit"]
    assert SyncState.objects.get(pk=1).resume_after is None


def test_without_configuration_the_command_says_what_to_set(settings):
    settings.SALESFORCE_LOGIN_URL = ""
    settings.SALESFORCE_CLIENT_ID = ""
    score_change(ExchangeFactory(), 72, "A")
    with pytest.raises(
        CommandError, match="Salesforce is not configured: set SALESFORCE_LOGIN_URL and SALESFORCE_CLIENT_ID"
    ):
        call_command("sync_salesforce")


def test_verify_resends_only_what_the_org_lacks_reading_its_ids_page_by_page(salesforce, capsys):
    # given four exchanges Salesforce confirmed, one of them since deleted in the org, and query pages of 2
    for name in ("Bybit", "OKX", "Gate", "HTX"):
        score_change(ExchangeFactory(name=name), 72, "A")
    call_command("sync_salesforce")
    okx = next(a for a in salesforce.org.all("Account") if a["Name"] == "OKX")
    salesforce.org.delete("Account", okx["Id"])
    salesforce.query_page_size = 2
    salesforce.requests.clear()
    capsys.readouterr()

    # when the sync verifies against the org
    call_command("sync_salesforce", "--verify")

    # then it read the org's ids in two pages and resent only OKX
    queries = [r.path for r in salesforce.requests if r.method == "GET" and "/query" in r.path]
    assert len(queries) == 2 and queries[1].startswith("/services/data/v62.0/query/01g")
    upserts = salesforce.calls_to("PATCH", r"/composite/sobjects/Account/Exchange_Intel_Key__c$")
    assert [[r["Name"] for r in call.json["records"]] for call in upserts] == [["OKX"]]
    assert sorted(a["Name"] for a in salesforce.org.all("Account")) == ["Bybit", "Gate", "HTX", "OKX"]
    out = capsys.readouterr().out
    assert "Verified against the org: Account 1 missing or moved." in out

    # and a second verify finds nothing missing and sends nothing
    salesforce.requests.clear()
    call_command("sync_salesforce", "--verify")
    assert salesforce.calls_to("PATCH", r"/composite/") == []
    assert "Verified against the org: nothing missing. Nothing to send" in capsys.readouterr().out
