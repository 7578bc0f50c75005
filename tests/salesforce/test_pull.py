"""Reading back from Salesforce (sync_salesforce --pull) against the fake org: accounts matched to
exchanges, contacts and opportunities by delta, deletions, who owns what when both sides changed,
the manager's review of ambiguous accounts, and records refused whole with the field at fault."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from crm.choices import RepRole
from crm.models import Contact, Exchange
from intel.choices import MatchStatus
from leads.choices import OpportunitySource, OpportunityStage
from leads.models import Opportunity, Score
from leads.salesforce.models import PullCursor, PulledAccount, PullIssue, SyncRun, SyncState
from leads.salesforce.pulling import pulled_account_decide, soql_datetime
from leads.salesforce.services import salesforce_pull
from leads.services.opportunities import opportunity_update
from tests.crm.factories import ExchangeFactory, RepFactory, vendor
from tests.salesforce.factories import score_change
from tests.salesforce.fake.org import KEY, competitor_fields

pytestmark = pytest.mark.django_db

CREATED = "2026-03-02T09:00:00.000+0000"


@pytest.fixture
def bybit():
    return ExchangeFactory(name="Bybit", slug="bybit", website="https://www.bybit.com")


@pytest.fixture
def okx():
    return ExchangeFactory(name="OKX", slug="okx", website="https://www.okx.com")


def account(org, name, **values):
    return org.insert("Account", {"Name": name, **values})


def contact(org, account_id, last, **values):
    return org.insert("Contact", {"AccountId": account_id, "LastName": last, **values})


def opportunity(org, account_id, name, stage="Prospecting", **values):
    values = {"CloseDate": "2026-12-31", "Amount": 40000, "CreatedDate": CREATED, **values}
    return org.insert("Opportunity", {"AccountId": account_id, "Name": name, "StageName": stage, **values})


def record_queries(fake):
    """The SOQL of each query call after the COUNT()s: the calls that carry records."""
    return [r for r in fake.requests if r.soql and "COUNT()" not in r.soql]


def test_first_pull_links_accounts_and_brings_their_contacts_and_opportunities(salesforce, bybit, okx):
    org = salesforce.org
    org.fields["Opportunity"] += competitor_fields()
    by_key = account(org, "Bybit Fintech Ltd", **{KEY: f"exchange-{bybit.pk}"})
    by_domain = account(org, "OKX Global", Website="https://okx.com/")
    contact(org, by_key["Id"], "Tanaka", FirstName="Ken", Title="CTO", Email="ken@bybit.com", Phone="+81 3 1234")
    won = opportunity(org, by_key["Id"], "Matching engine", "Closed Won", Amount=52000.5, Probability=100)
    lost = opportunity(
        org, by_domain["Id"], "Market data", "Closed Lost", Lost_To__c="AWS", Loss_Reason__c="Latency in Tokyo"
    )

    outcome = salesforce_pull()

    assert outcome.status == SyncRun.Status.SUCCEEDED
    bybit.refresh_from_db()
    okx.refresh_from_db()
    assert (bybit.salesforce_account_id, okx.salesforce_account_id) == (by_key["Id"], by_domain["Id"])
    assert PulledAccount.objects.get(salesforce_id=by_key["Id"]).match_method == "external_id"
    assert PulledAccount.objects.get(salesforce_id=by_domain["Id"]).match_method == "email_domain"
    person = Contact.objects.get(salesforce_id=contact_id(org, "Tanaka"))
    assert (person.exchange, person.full_name, person.title, person.email, person.phone) == (
        bybit,
        "Ken Tanaka",
        "CTO",
        "ken@bybit.com",
        "+81 3 1234",
    )
    deal = Opportunity.objects.get(salesforce_id=won["Id"])
    assert (deal.exchange, deal.stage, deal.monthly_spend_usd, deal.probability, deal.close_date) == (
        bybit,
        OpportunityStage.CLOSED_WON,
        Decimal("52000.50"),
        100,
        datetime.date(2026, 12, 31),
    )
    assert deal.opened_at == datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC)
    assert [(c.to_stage, c.source) for c in deal.stage_changes.all()] == [
        (OpportunityStage.CLOSED_WON, OpportunitySource.SALESFORCE)
    ]
    rival = Opportunity.objects.get(salesforce_id=lost["Id"])
    assert (rival.exchange, rival.stage, rival.lost_to, rival.lost_reason) == (
        okx,
        OpportunityStage.CLOSED_LOST,
        vendor("aws"),
        "Latency in Tokyo",
    )
    assert outcome.plan_lines == [
        "Account: 2 read via REST queryAll pages; 2 applied.",
        "Contact: 1 read via REST queryAll pages; 1 applied.",
        "Opportunity: 2 read via REST queryAll pages; 2 applied.",
    ]


def contact_id(org, last_name):
    return next(c["Id"] for c in org.all("Contact") if c["LastName"] == last_name)


def test_without_competitor_fields_in_the_org_they_are_not_asked_for(salesforce, bybit):
    org = salesforce.org
    acc = account(org, "Bybit", **{KEY: f"exchange-{bybit.pk}"})
    opportunity(org, acc["Id"], "Wallets", "Closed Lost")

    salesforce_pull()

    [query] = [r.soql for r in record_queries(salesforce) if "FROM Opportunity" in r.soql]
    assert query == (
        "SELECT Id, IsDeleted, SystemModstamp, AccountId, Name, StageName, IsClosed, IsWon, Amount, Probability, "
        "CloseDate, Owner.Email, CreatedDate FROM Opportunity ORDER BY SystemModstamp, Id"
    )
    assert Opportunity.objects.get().lost_to is None


def test_a_second_pull_reads_only_what_changed_and_nothing_changed_costs_no_record_call(salesforce, bybit):
    org = salesforce.org
    acc = account(org, "Bybit", **{KEY: f"exchange-{bybit.pk}"})
    first = opportunity(org, acc["Id"], "Engine")
    opportunity(org, acc["Id"], "Wallets")
    salesforce_pull()
    salesforce.requests.clear()

    # nothing changed: one COUNT() per object, no record call
    idle = salesforce_pull()
    assert [r.path.rsplit("/", 1)[1] for r in salesforce.requests] == ["queryAll"] * 3
    assert record_queries(salesforce) == []
    assert idle.plan_lines == [
        "Account: nothing changed.",
        "Contact: nothing changed.",
        "Opportunity: nothing changed.",
    ]

    # one opportunity moves in Salesforce: only it is read
    org.edit("Opportunity", first["Id"], StageName="Negotiation/Review")
    salesforce.requests.clear()
    moved = salesforce_pull()
    assert moved.run.records_read == 1
    assert Opportunity.objects.get(salesforce_id=first["Id"]).stage == OpportunityStage.NEGOTIATION
    assert PullCursor.objects.get(object_name="Opportunity").modstamp == datetime.datetime.fromisoformat(
        org.records["Opportunity"][first["Id"]]["SystemModstamp"].replace("+0000", "+00:00")
    )


def test_deletions_in_salesforce_come_through_query_all(salesforce, bybit):
    org = salesforce.org
    acc = account(org, "Bybit", **{KEY: f"exchange-{bybit.pk}"})
    person = contact(org, acc["Id"], "Suzuki", Email="suzuki@bybit.com")
    deal = opportunity(org, acc["Id"], "Engine")
    salesforce_pull()

    org.delete("Opportunity", deal["Id"])
    org.delete("Contact", person["Id"])
    org.delete("Account", acc["Id"])
    outcome = salesforce_pull()

    # Salesforce owns opportunities: gone here too
    assert not Opportunity.objects.filter(salesforce_id=deal["Id"]).exists()
    # the product owns its people and exchanges: kept, unlinked
    kept = Contact.objects.get(email="suzuki@bybit.com")
    assert kept.salesforce_id == ""
    bybit.refresh_from_db()
    assert bybit.salesforce_account_id == ""
    assert Exchange.objects.filter(pk=bybit.pk).exists()
    assert outcome.run.records_deleted == 3


# -- who owns what ------------------------------------------------------------------------------------


def test_stage_changed_in_both_places_salesforce_wins_and_the_history_keeps_both(salesforce, bybit):
    org = salesforce.org
    acc = account(org, "Bybit", **{KEY: f"exchange-{bybit.pk}"})
    deal = opportunity(org, acc["Id"], "Engine", "Qualification")
    salesforce_pull()
    local = Opportunity.objects.get(salesforce_id=deal["Id"])
    manager = RepFactory(role=RepRole.MANAGER).user

    # a rep moves it to negotiation here; Salesforce closes it lost meanwhile
    opportunity_update(local, user=manager, stage=OpportunityStage.NEGOTIATION, workloads=["wallets"])
    org.now = timezone.now() + datetime.timedelta(minutes=1)
    org.edit("Opportunity", deal["Id"], StageName="Closed Lost")
    salesforce_pull()

    local.refresh_from_db()
    assert local.stage == OpportunityStage.CLOSED_LOST
    assert [(c.from_stage, c.to_stage, c.source) for c in local.stage_changes.all()] == [
        ("", OpportunityStage.QUALIFICATION, OpportunitySource.SALESFORCE),
        (OpportunityStage.QUALIFICATION, OpportunityStage.NEGOTIATION, OpportunitySource.PRODUCT),
        (OpportunityStage.NEGOTIATION, OpportunityStage.CLOSED_LOST, OpportunitySource.SALESFORCE),
    ]
    # the workloads are the product's: Salesforce has no say in them
    assert local.workloads == ["wallets"]


def test_a_product_change_after_salesforce_last_changed_it_is_not_undone_by_a_pull(salesforce, bybit):
    org = salesforce.org
    acc = account(org, "Bybit", **{KEY: f"exchange-{bybit.pk}"})
    deal = opportunity(org, acc["Id"], "Engine", "Qualification")
    salesforce_pull()
    local = Opportunity.objects.get(salesforce_id=deal["Id"])
    opportunity_update(local, stage=OpportunityStage.PROPOSAL)

    # the Account changes in Salesforce, the opportunity does not: nothing of it is read again
    org.edit("Account", acc["Id"], Website="https://bybit.com")
    salesforce_pull()

    local.refresh_from_db()
    assert local.stage == OpportunityStage.PROPOSAL


def test_product_owned_fields_changed_in_salesforce_are_not_pulled(salesforce, bybit):
    score_change(bybit, 72, "A")
    org = salesforce.org
    acc = account(org, "Bybit", **{KEY: f"exchange-{bybit.pk}"}, Intel_Score__c=72, Intel_Grade__c="A")
    salesforce_pull()

    # an org user types over the score, the grade and the account's name
    org.edit("Account", acc["Id"], Intel_Score__c=99, Intel_Grade__c="D", Name="ByBit Global (old)")
    outcome = salesforce_pull()

    score = Score.objects.get(exchange=bybit)
    bybit.refresh_from_db()
    assert (score.score, score.grade, bybit.name) == (72, "A", "Bybit")
    query = [r.soql for r in record_queries(salesforce) if "FROM Account" in r.soql][-1]
    assert query.startswith("SELECT Id, IsDeleted, SystemModstamp, Name, Website, Exchange_Intel_Key__c FROM Account")
    assert outcome.run.records_applied == 1  # the account's link, re-read


def test_contact_details_follow_salesforce_and_the_product_keeps_its_own(salesforce, bybit):
    org = salesforce.org
    acc = account(org, "Bybit", **{KEY: f"exchange-{bybit.pk}"})
    person = contact(org, acc["Id"], "Sato", Title="SRE", Email="sato@bybit.com")
    salesforce_pull()
    local = Contact.objects.get(salesforce_id=person["Id"])
    local.notes, local.is_do_not_contact, local.title = "Met at TOKEN2049", True, "Head of SRE"
    local.save()

    org.edit("Contact", person["Id"], Title="VP Infrastructure")
    salesforce_pull()

    local.refresh_from_db()
    assert (local.title, local.notes, local.is_do_not_contact) == ("VP Infrastructure", "Met at TOKEN2049", True)


# -- the matcher's review --------------------------------------------------------------------------------


def test_an_ambiguous_account_waits_for_a_manager_and_its_records_are_held_then_applied(salesforce):
    bitbank = ExchangeFactory(name="Bitbank", slug="bitbank")
    ExchangeFactory(name="Bitbang", slug="bitbang")
    org = salesforce.org
    acc = account(org, "Bitbanc")
    contact(org, acc["Id"], "Kato")
    deal = opportunity(org, acc["Id"], "Engine")

    outcome = salesforce_pull()

    pulled = PulledAccount.objects.get(salesforce_id=acc["Id"])
    assert pulled.match_status == MatchStatus.REVIEW
    assert [c["name"] for c in pulled.match_candidates] == ["Bitbank", "Bitbang"]
    assert not Contact.objects.exists() and not Opportunity.objects.exists()
    assert sorted(PullIssue.objects.values_list("object_name", "kind")) == [
        ("Contact", "held"),
        ("Opportunity", "held"),
    ]
    assert outcome.plan_lines[0] == "Account: 1 read via REST queryAll pages; 0 applied, 1 to review."

    # a rep may not decide; a manager chooses Bitbank
    rep = RepFactory().user
    with pytest.raises(Exception, match="Only a manager"):
        pulled_account_decide(account=pulled, exchange=bitbank, user=rep)
    assert not Contact.objects.exists()
    decided = pulled_account_decide(account=pulled, exchange=bitbank, user=RepFactory(role=RepRole.MANAGER).user)

    assert decided == {"applied": 2, "refused": 0, "dropped": 0}
    assert Contact.objects.get().exchange == bitbank
    assert Opportunity.objects.get(salesforce_id=deal["Id"]).exchange == bitbank
    assert not PullIssue.objects.filter(resolved_at__isnull=True).exists()
    bitbank.refresh_from_db()
    assert bitbank.salesforce_account_id == acc["Id"]

    # the decision stands on the next change in Salesforce
    org.edit("Account", acc["Id"], Website="https://bitbanc.example")
    salesforce_pull()
    assert PulledAccount.objects.get(salesforce_id=acc["Id"]).exchange == bitbank


def test_a_second_account_for_an_already_linked_exchange_goes_to_review(salesforce, bybit):
    bybit.salesforce_account_id = "001000000000999AAA"
    bybit.save()
    acc = account(salesforce.org, "Bybit")

    salesforce_pull()

    pulled = PulledAccount.objects.get(salesforce_id=acc["Id"])
    assert pulled.match_status == MatchStatus.REVIEW
    assert pulled.match_candidates[0]["note"] == "already linked to Salesforce Account 001000000000999AAA"
    bybit.refresh_from_db()
    assert bybit.salesforce_account_id == "001000000000999AAA"


# -- bad records ----------------------------------------------------------------------------------------


def test_records_that_fail_validation_are_listed_with_the_field_and_skipped_whole(salesforce, bybit, capsys):
    org = salesforce.org
    acc = account(org, "Bybit", **{KEY: f"exchange-{bybit.pk}"})
    good = opportunity(org, acc["Id"], "Engine", "Qualification")
    salesforce_pull()
    # a valid change to good, then bad values on it and three bad new records
    org.edit("Opportunity", good["Id"], Amount=-5, StageName="Negotiation/Review")
    opportunity(org, acc["Id"], "Typo date", CloseDate="2026-13-45")
    opportunity(org, acc["Id"], "Odd stage", StageName="Handshake")
    contact(org, acc["Id"], "Mori", Email="not-an-email")
    fine = opportunity(org, acc["Id"], "Wallets")

    call_command("sync_salesforce", "--pull")  # some refused: the run is partial, not a failure
    out = capsys.readouterr().out

    # the refused update left the opportunity as it was: not half-applied
    local = Opportunity.objects.get(salesforce_id=good["Id"])
    assert (local.stage, local.monthly_spend_usd) == (OpportunityStage.QUALIFICATION, Decimal("40000.00"))
    assert Opportunity.objects.filter(salesforce_id=fine["Id"]).exists()
    assert not Opportunity.objects.filter(name__in=["Typo date", "Odd stage"]).exists()
    assert not Contact.objects.exists()
    refused = dict(
        PullIssue.objects.filter(kind="refused")
        .values_list("record__Name", "field_name")
        .exclude(object_name="Contact")
    )
    assert refused == {"Engine": "Amount", "Typo date": "CloseDate", "Odd stage": "StageName"}
    assert PullIssue.objects.get(object_name="Contact").field_name == "Email"
    assert f"  refused: Opportunity {good['Id']}: Amount: Bybit / Engine: monthly_spend_usd -5 is out of range" in out
    assert "Some records failed" in out
    assert SyncRun.objects.get(is_pull=True, pk=SyncRun.objects.latest().pk).status == SyncRun.Status.PARTIAL

    # fixed in Salesforce: the next pull applies it and closes the issue
    org.edit("Opportunity", good["Id"], Amount=45000)
    salesforce_pull()
    local.refresh_from_db()
    assert (local.stage, local.monthly_spend_usd) == (OpportunityStage.NEGOTIATION, Decimal("45000.00"))
    assert not PullIssue.objects.filter(salesforce_id=good["Id"], resolved_at__isnull=True).exists()


# -- paging, Bulk API 2.0, limits ---------------------------------------------------------------------------


def test_rest_pages_are_followed_through_next_records_url(salesforce, bybit):
    salesforce.query_page_size = 2
    org = salesforce.org
    acc = account(org, "Bybit", **{KEY: f"exchange-{bybit.pk}"})
    for n in range(5):
        opportunity(org, acc["Id"], f"Deal {n}")

    salesforce_pull()

    assert Opportunity.objects.count() == 5
    assert len(salesforce.calls_to("GET", r"/query/01g")) == 2  # pages 2 and 3 of the Opportunity query


def test_above_the_threshold_one_bulk_query_job_reads_the_changes_in_located_sets(salesforce, settings, bybit):
    settings.SALESFORCE_PULL_BULK_THRESHOLD = 3
    settings.SALESFORCE_PULL_BULK_PAGE_RECORDS = 2
    org = salesforce.org
    acc = account(org, "Bybit", **{KEY: f"exchange-{bybit.pk}"})
    deals = [opportunity(org, acc["Id"], f"Deal {n}", Amount=1000 + n) for n in range(5)]
    org.delete("Opportunity", deals[0]["Id"])

    outcome = salesforce_pull()

    assert outcome.run.bulk_jobs == 1
    assert len(salesforce.calls_to("POST", r"/jobs/query$")) == 1
    results = salesforce.calls_to("GET", r"/jobs/query/\w+/results")
    assert len(results) == 3  # 5 rows (one deleted) in sets of 2, by Sforce-Locator
    assert sorted(Opportunity.objects.values_list("name", "monthly_spend_usd")) == [
        (f"Deal {n}", Decimal(1000 + n)) for n in range(1, 5)
    ]
    assert outcome.plan_lines[2] == "Opportunity: 5 read via a Bulk API 2.0 query job; 4 applied, 1 already up to date."


def test_an_api_limit_pauses_the_pull_and_keeps_the_cursor_at_the_last_page_applied(salesforce, bybit):
    salesforce.query_page_size = 2
    org = salesforce.org
    acc = account(org, "Bybit", **{KEY: f"exchange-{bybit.pk}"})
    for n in range(4):
        opportunity(org, acc["Id"], f"Deal {n}")
    # Account: COUNT, describe, query; Contact: COUNT; Opportunity: COUNT, describe, first page, then the limit
    salesforce.faults = ["", "", "", "", "", "", "", "limit"]

    outcome = salesforce_pull()

    assert outcome.status == SyncRun.Status.LIMITED
    assert SyncState.objects.get(pk=1).resume_after is not None
    assert sorted(Opportunity.objects.values_list("name", flat=True)) == ["Deal 0", "Deal 1"]
    assert salesforce_pull().status == "waiting"

    resumed = salesforce_pull(force=True)
    assert resumed.status == SyncRun.Status.SUCCEEDED
    # the last record of the applied page is read again (records may share a SystemModstamp across a
    # page boundary): applying it twice changes nothing
    assert resumed.plan_lines[2] == "Opportunity: 3 read via REST queryAll pages; 2 applied, 1 already up to date."
    assert Opportunity.objects.count() == 4


def test_a_503_is_retried_and_the_pull_completes(salesforce, bybit):
    account(salesforce.org, "Bybit", **{KEY: f"exchange-{bybit.pk}"})
    salesforce.fail_next("503")

    outcome = salesforce_pull()

    assert (outcome.status, outcome.run.retries) == (SyncRun.Status.SUCCEEDED, 1)
    bybit.refresh_from_db()
    assert bybit.salesforce_account_id != ""


def test_the_command_prints_progress_and_a_summary(salesforce, bybit, capsys):
    acc = account(salesforce.org, "Bybit", **{KEY: f"exchange-{bybit.pk}"})
    opportunity(salesforce.org, acc["Id"], "Engine")

    call_command("sync_salesforce", "--pull")

    assert capsys.readouterr().out.splitlines() == [
        "  Account: 1 of 1 changed records read and applied",
        "  Opportunity: 1 of 1 changed records read and applied",
        "Account: 1 read via REST queryAll pages; 1 applied.",
        "Contact: nothing changed.",
        "Opportunity: 1 read via REST queryAll pages; 1 applied.",
        "Succeeded: 2 read, 2 applied, 0 deletions, 0 refused or held; 7 API calls (0 retries, "
        "0 bulk query jobs), org budget 7/15000.",
    ]


def test_without_the_competitor_fields_a_pull_keeps_the_rival_and_reason_the_product_recorded(salesforce, bybit):
    org = salesforce.org
    acc = account(org, "Bybit", **{KEY: f"exchange-{bybit.pk}"})
    deal = opportunity(org, acc["Id"], "Engine", "Closed Lost")
    salesforce_pull()
    local = Opportunity.objects.get(salesforce_id=deal["Id"])
    opportunity_update(local, lost_to=vendor("aws"), lost_reason="Price")

    org.edit("Opportunity", deal["Id"], Amount=39000)
    salesforce_pull()

    local.refresh_from_db()
    assert (local.monthly_spend_usd, local.lost_to, local.lost_reason) == (Decimal("39000.00"), vendor("aws"), "Price")


def test_a_rival_salesforce_names_that_the_product_does_not_know_stays_in_the_reason(salesforce, bybit):
    org = salesforce.org
    org.fields["Opportunity"] += competitor_fields()
    acc = account(org, "Bybit", **{KEY: f"exchange-{bybit.pk}"})
    opportunity(org, acc["Id"], "Engine", "Closed Lost", Lost_To__c="Internal IT", Loss_Reason__c="Built in house")

    salesforce_pull()

    local = Opportunity.objects.get()
    assert (local.lost_to, local.lost_reason) == (None, "Lost to Internal IT. Built in house")


# -- the managers' review page ----------------------------------------------------------------------------


def test_the_review_page_is_for_managers_and_confirming_applies_what_was_held(salesforce, client):
    bitbank = ExchangeFactory(name="Bitbank", slug="bitbank")
    ExchangeFactory(name="Bitbang", slug="bitbang")
    acc = account(salesforce.org, "Bitbanc")
    contact(salesforce.org, acc["Id"], "Kato")
    salesforce_pull()
    url = "/admin/salesforce/pulledaccounttoreview/"

    rep = RepFactory().user
    rep.is_staff = True
    rep.save()
    client.force_login(rep)
    assert client.get(url).status_code == 403
    client.post(url, {"action": "confirm", "_selected_action": [PulledAccount.objects.get().pk]})
    assert not Contact.objects.exists()

    manager = RepFactory(role=RepRole.MANAGER).user
    manager.is_staff = True
    manager.save()
    client.force_login(manager)
    page = client.get(url)
    assert page.status_code == 200
    assert "Bitbanc" in page.content.decode()
    client.post(url, {"action": "confirm", "_selected_action": [PulledAccount.objects.get().pk]})

    assert Contact.objects.get().exchange == bitbank
    assert PulledAccount.objects.get().match_status == MatchStatus.MATCHED


def test_a_contact_the_product_already_has_is_linked_by_email_not_duplicated(salesforce, bybit):
    known = Contact.objects.create(exchange=bybit, full_name="Ken Tanaka", email="ken@bybit.com", notes="Met in Tokyo")
    acc = account(salesforce.org, "Bybit", **{KEY: f"exchange-{bybit.pk}"})
    person = contact(salesforce.org, acc["Id"], "Tanaka", FirstName="Ken", Email="KEN@bybit.com", Title="CTO")

    salesforce_pull()

    known.refresh_from_db()
    assert Contact.objects.count() == 1
    assert (known.salesforce_id, known.title, known.notes) == (person["Id"], "CTO", "Met in Tokyo")


def test_a_pull_does_not_start_while_a_push_holds_the_lock(salesforce, bybit):
    from leads.salesforce.lock import sync_lock_acquire

    account(salesforce.org, "Bybit", **{KEY: f"exchange-{bybit.pk}"})
    assert sync_lock_acquire(holder="push", now=timezone.now(), seconds=60)

    outcome = salesforce_pull()

    assert outcome.status == "locked"
    assert salesforce.requests == []
    assert not PulledAccount.objects.exists()


def test_a_failed_bulk_query_job_fails_the_run_and_leaves_the_cursor(salesforce, settings, bybit):
    settings.SALESFORCE_PULL_BULK_THRESHOLD = 1
    acc = account(salesforce.org, "Bybit", **{KEY: f"exchange-{bybit.pk}"})
    salesforce.query_job_failure = "QUERY_TIMEOUT: Your query request was running for too long."
    opportunity(salesforce.org, acc["Id"], "Engine")
    opportunity(salesforce.org, acc["Id"], "Wallets")

    outcome = salesforce_pull()

    assert outcome.status == SyncRun.Status.FAILED
    assert "ended Failed: QUERY_TIMEOUT: Your query request was running for too long." in outcome.message
    assert not Opportunity.objects.exists()
    assert not PullCursor.objects.filter(object_name="Opportunity").exists()


def test_a_bulk_job_sends_no_order_by_and_the_cursor_moves_to_its_newest_stamp(salesforce, settings, bybit):
    settings.SALESFORCE_PULL_BULK_THRESHOLD = 2
    settings.SALESFORCE_PULL_BULK_PAGE_RECORDS = 2
    org = salesforce.org
    acc = account(org, "Bybit", **{KEY: f"exchange-{bybit.pk}"})
    deals = [opportunity(org, acc["Id"], f"Deal {n}") for n in range(3)]

    salesforce_pull()

    [job] = [r.soql for r in salesforce.calls_to("POST", r"/jobs/query$")]
    assert "ORDER BY" not in job
    newest = org.records["Opportunity"][deals[-1]["Id"]]["SystemModstamp"]
    assert soql_datetime(PullCursor.objects.get(object_name="Opportunity").modstamp) == newest.replace("+0000", "Z")
    salesforce.requests.clear()
    assert salesforce_pull().run.records_read == 0


def test_a_bulk_job_stopped_between_result_sets_is_read_again_whole_next_time(salesforce, settings, bybit):
    settings.SALESFORCE_PULL_BULK_THRESHOLD = 2
    settings.SALESFORCE_PULL_BULK_PAGE_RECORDS = 2
    org = salesforce.org
    acc = account(org, "Bybit", **{KEY: f"exchange-{bybit.pk}"})
    for n in range(4):
        opportunity(org, acc["Id"], f"Deal {n}")
    # Account: COUNT, describe, page; Contact: COUNT; Opportunity: COUNT, describe, job, 2 polls, set 1, then a limit
    salesforce.faults = [""] * 10 + ["limit"]

    stopped = salesforce_pull()

    assert stopped.status == SyncRun.Status.LIMITED
    assert Opportunity.objects.count() == 2
    assert not PullCursor.objects.filter(object_name="Opportunity").exists()
    resumed = salesforce_pull(force=True)
    assert resumed.plan_lines[2] == "Opportunity: 4 read via a Bulk API 2.0 query job; 2 applied, 2 already up to date."
    assert Opportunity.objects.count() == 4


def test_an_account_that_is_no_exchange_is_kept_unmatched_and_its_records_held(salesforce, bybit):
    acc = account(salesforce.org, "Acme Consulting Partners")
    contact(salesforce.org, acc["Id"], "Ito")

    outcome = salesforce_pull()

    assert PulledAccount.objects.get().match_status == MatchStatus.UNMATCHED
    assert outcome.plan_lines[:2] == [
        "Account: 1 read via REST queryAll pages; 0 applied, 1 matched to no exchange.",
        "Contact: 1 read via REST queryAll pages; 0 applied, 1 held for their account's review.",
    ]
    assert not Contact.objects.exists()


def test_records_held_for_an_account_are_applied_when_a_later_pull_matches_it(salesforce):
    org = salesforce.org
    acc = account(org, "Acme Holdings")
    person = contact(org, acc["Id"], "Ito", Email="ito@upbit.com")
    salesforce_pull()
    assert not Contact.objects.exists()

    # the exchange is added to the product and the account's website set in Salesforce
    upbit = ExchangeFactory(name="Upbit", slug="upbit", website="https://upbit.com")
    org.edit("Account", acc["Id"], Website="https://upbit.com")
    outcome = salesforce_pull()

    assert Contact.objects.get(salesforce_id=person["Id"]).exchange == upbit
    assert not PullIssue.objects.filter(resolved_at__isnull=True).exists()
    assert outcome.plan_lines[1] == "Contact: nothing changed. 1 held record applied, their account now matched."


def test_an_account_merge_takes_the_salesforce_accounts_and_link_to_the_target(salesforce, bybit):
    from crm.services.merges import exchange_merge

    duplicate = ExchangeFactory(name="Bybit Global", slug="bybit-global", website="https://bybitglobal.example")
    acc = account(salesforce.org, "Bybit Global", **{KEY: f"exchange-{duplicate.pk}"})
    salesforce_pull()

    merge = exchange_merge(source=duplicate, target=bybit, user=RepFactory(role=RepRole.MANAGER).user)

    assert merge.moved["salesforce_accounts"] == 1
    assert PulledAccount.objects.get(salesforce_id=acc["Id"]).exchange == bybit
    bybit.refresh_from_db()
    assert bybit.salesforce_account_id == acc["Id"]


def test_managers_see_the_refused_records_with_the_field_at_fault_in_the_admin(salesforce, client, bybit):
    acc = account(salesforce.org, "Bybit", **{KEY: f"exchange-{bybit.pk}"})
    bad = opportunity(salesforce.org, acc["Id"], "Engine", Amount=-5)
    salesforce_pull()
    manager = RepFactory(role=RepRole.MANAGER).user
    manager.is_staff = True
    manager.save()
    client.force_login(manager)

    page = client.get("/admin/salesforce/pullissue/").content.decode()
    accounts_page = client.get("/admin/salesforce/pulledaccount/")

    assert bad["Id"] in page and '<td class="field-field_name">Amount</td>' in page
    assert accounts_page.status_code == 200


def test_two_salesforce_contacts_with_one_email_at_one_exchange_refuse_the_second_naming_email(salesforce, bybit):
    acc = account(salesforce.org, "Bybit", **{KEY: f"exchange-{bybit.pk}"})
    contact(salesforce.org, acc["Id"], "Abe", Email="ops@bybit.com")
    second = contact(salesforce.org, acc["Id"], "Abe (old)", Email="ops@bybit.com")

    salesforce_pull()

    assert Contact.objects.count() == 1
    issue = PullIssue.objects.get(salesforce_id=second["Id"])
    assert (issue.kind, issue.field_name) == ("refused", "Email")
    assert issue.message == "This exchange already has a contact with this email."
