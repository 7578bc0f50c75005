"""A pulled Opportunity's owner against the fake org: the active product user with the Salesforce
owner's email (Owner.Email, any case), through REST queryAll pages and Bulk API 2.0 query jobs; an
email nobody (or several) has here leaves the owner as it was and is reported with the email; a
later change of owner in Salesforce moves the deal; what the owner may then see and change."""

import csv
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.choices import RepRole
from leads.models import Opportunity
from leads.salesforce.client import SalesforceClient, SalesforceRequestError
from leads.salesforce.conf import salesforce_settings
from leads.salesforce.models import PulledAccount, SyncRun
from leads.salesforce.pulling import pulled_account_decide
from leads.salesforce.services import salesforce_pull
from tests.api.conftest import client_for
from tests.crm.factories import ExchangeFactory, PresenceFactory, RepFactory, UserFactory, jurisdiction
from tests.salesforce.fake.org import KEY

pytestmark = pytest.mark.django_db

CREATED = "2026-03-02T09:00:00.000+0000"


def org_user(org, email: str) -> str:
    """A user of the Salesforce org (an Opportunity's OwnerId points to one); answers its Id."""
    name = email.split("@")[0]
    return org.insert("User", {"Username": f"{name}@org.example", "LastName": name, "Email": email, "IsActive": True})[
        "Id"
    ]


def linked_account(org, exchange) -> str:
    return org.insert("Account", {"Name": exchange.name, KEY: f"exchange-{exchange.pk}"})["Id"]


def opportunity(org, account_id: str, name: str, owner_id: str | None) -> dict:
    values = {"AccountId": account_id, "Name": name, "StageName": "Prospecting", "CloseDate": "2026-12-31"}
    return org.insert("Opportunity", {**values, "Amount": 40000, "CreatedDate": CREATED, "OwnerId": owner_id})


def owner_of(record: dict):
    return Opportunity.objects.select_related("owner").get(salesforce_id=record["Id"]).owner


@pytest.fixture
def ann():
    return UserFactory(username="ann", email="Ann.Tanaka@Example.com")


@pytest.fixture
def bob():
    return UserFactory(username="bob", email="bob@example.com")


def test_the_fake_org_answers_owner_email_nested_over_rest_and_as_a_dotted_column_in_bulk(salesforce):
    # given an Opportunity with an owner and one without (the documented shapes: REST nests the parent
    # with its attributes, or answers null; a Bulk query's CSV has one "Owner.Email" column)
    org = salesforce.org
    owned = opportunity(org, "001x", "Owned", org_user(org, "ann.tanaka@example.com"))
    opportunity(org, "001x", "Unowned", None)
    client = SalesforceClient.from_settings(salesforce_settings())

    [(records, _)] = list(client.query_pages_ending("SELECT Id, Name, Owner.Email FROM Opportunity"))
    job = client.bulk_query_create("SELECT Id, Owner.Email FROM Opportunity")
    assert [client.bulk_query_info(job["id"])["state"] for _ in range(2)] == ["InProgress", "JobComplete"]
    text, _ = client.bulk_query_results(job["id"])

    assert records == [
        {
            "Id": owned["Id"],
            "Name": "Owned",
            "Owner": {
                "attributes": {"type": "User", "url": f"/services/data/v62.0/sobjects/User/{owned['OwnerId']}"},
                "Email": "ann.tanaka@example.com",
            },
        },
        {"Id": records[1]["Id"], "Name": "Unowned", "Owner": None},
    ]
    assert sorted(csv.reader(io.StringIO(text))) == sorted(
        [["Id", "Owner.Email"], [owned["Id"], "ann.tanaka@example.com"], [records[1]["Id"], ""]]
    )
    # and a relationship the object does not have is refused as the org refuses it
    with pytest.raises(SalesforceRequestError, match="Didn't understand relationship 'Creator'"):
        list(client.query_pages_ending("SELECT Id, Creator.Email FROM Opportunity"))


def test_a_rest_pull_sets_the_owner_to_the_user_with_the_owners_email_in_any_case(salesforce, ann):
    org = salesforce.org
    account_id = linked_account(org, ExchangeFactory(name="Bybit", slug="bybit"))
    owned = opportunity(org, account_id, "Matching engine", org_user(org, "ann.tanaka@EXAMPLE.com"))
    unowned = opportunity(org, account_id, "Wallets", None)

    outcome = salesforce_pull()

    assert outcome.status == SyncRun.Status.SUCCEEDED
    assert (owner_of(owned), owner_of(unowned)) == (ann, None)
    assert outcome.plan_lines[2] == "Opportunity: 2 read via REST queryAll pages; 2 applied."


def test_a_bulk_pull_sets_the_owner_to_the_user_with_the_owners_email(salesforce, settings, ann, bob):
    settings.SALESFORCE_PULL_BULK_THRESHOLD = 2
    org = salesforce.org
    account_id = linked_account(org, ExchangeFactory(name="Bybit", slug="bybit"))
    anns = [opportunity(org, account_id, f"Deal {n}", org_user(org, "ANN.TANAKA@example.com")) for n in range(2)]
    bobs = opportunity(org, account_id, "Deal 2", org_user(org, "Bob@Example.com"))

    outcome = salesforce_pull()

    assert outcome.run.bulk_jobs == 1
    [job] = salesforce.calls_to("POST", r"/jobs/query$")
    assert ", Owner.Email, " in job.json["query"]
    assert [owner_of(r) for r in [*anns, bobs]] == [ann, ann, bob]
    assert outcome.plan_lines[2] == "Opportunity: 3 read via a Bulk API 2.0 query job; 3 applied."


def test_an_email_no_one_user_has_leaves_the_owner_as_it_was_and_is_reported_with_the_email(salesforce, ann, capsys):
    # given a deal pulled with Ann as its owner
    org = salesforce.org
    account_id = linked_account(org, ExchangeFactory(name="Bybit", slug="bybit"))
    kept = opportunity(org, account_id, "Matching engine", org_user(org, "ann.tanaka@example.com"))
    salesforce_pull()
    assert owner_of(kept) == ann
    # and owners here nobody has (a contractor, a user gone inactive here) or two users share
    UserFactory(username="gone", email="gone@example.com", is_active=False)
    UserFactory(username="desk1", email="desk@example.com")
    UserFactory(username="desk2", email="DESK@example.com")
    contractor, gone, desk = (org_user(org, e) for e in ("Temp@Agency.example", "gone@example.com", "desk@example.com"))
    org.edit("Opportunity", kept["Id"], OwnerId=contractor, StageName="Qualification")
    new = opportunity(org, account_id, "Custody", contractor)
    left = opportunity(org, account_id, "Staking", gone)
    shared = opportunity(org, account_id, "Market data", desk)

    call_command("sync_salesforce", "--pull")

    # then the existing deal keeps Ann (and takes the rest of Salesforce's change), the new ones have none
    deal = Opportunity.objects.select_related("owner").get(salesforce_id=kept["Id"])
    assert (deal.owner, deal.stage) == (ann, "qualification")
    assert [owner_of(r) for r in (new, left, shared)] == [None, None, None]
    # and the terminal, the run's message and its log say which emails, for how many deals
    out = capsys.readouterr().out.splitlines()
    lines = [
        "Opportunity: 4 read via REST queryAll pages; 4 applied, 4 with their owner not found.",
        "  Owner not found: Temp@Agency.example (2 opportunities): no active user has this email, so their "
        "owner here is left as it was (none if new).",
        "  Owner not found: gone@example.com (1 opportunity): no active user has this email, so its owner "
        "here is left as it was (none if new).",
        "  Owner not found: desk@example.com (1 opportunity): 2 active users have this email, so its owner "
        "here is left as it was (none if new).",
    ]
    assert out[3:7] == lines
    run = SyncRun.objects.filter(is_pull=True).first()
    assert run.status == SyncRun.Status.SUCCEEDED  # every record was applied: nothing failed
    assert run.log[2:6] == [lines[0], *(line.strip() for line in lines[1:])]
    assert out[7].startswith("Succeeded: 4 read, 4 applied, 0 deletions, 0 refused or held;")
    assert run.message.endswith(lines[0])


def test_a_later_change_of_owner_in_salesforce_moves_the_deal(salesforce, ann, bob):
    org = salesforce.org
    account_id = linked_account(org, ExchangeFactory(name="Bybit", slug="bybit"))
    record = opportunity(org, account_id, "Matching engine", org_user(org, "ann.tanaka@example.com"))
    salesforce_pull()
    assert owner_of(record) == ann

    org.edit("Opportunity", record["Id"], OwnerId=org_user(org, "bob@example.com"))
    outcome = salesforce_pull()

    assert owner_of(record) == bob
    assert outcome.plan_lines[2] == "Opportunity: 1 read via REST queryAll pages; 1 applied."


def test_the_owner_of_a_pulled_deal_sees_and_changes_it_by_its_exchange_as_every_deal(salesforce):
    # given a Japan rep who owns bitFlyer, sees Bybit (present in Japan) and not Kraken, and three deals
    # Salesforce gives her, one at each
    japan = RepFactory(
        user__username="rep.japan", user__email="rep.japan@example.com", territories=[jurisdiction("JP")]
    )
    RepFactory(user__username="manager", role=RepRole.MANAGER)
    bitflyer = ExchangeFactory(name="bitFlyer", slug="bitflyer", headquarters=jurisdiction("JP"), owner=japan.user)
    bybit = ExchangeFactory(name="Bybit", slug="bybit", headquarters=jurisdiction("AE"))
    PresenceFactory(exchange=bybit, jurisdiction=jurisdiction("JP"))
    kraken = ExchangeFactory(name="Kraken", slug="kraken", headquarters=jurisdiction("US"))
    org = salesforce.org
    owner_id = org_user(org, "Rep.Japan@example.com")
    records = {
        e.slug: opportunity(org, linked_account(org, e), f"{e.name} deal", owner_id) for e in (bitflyer, bybit, kraken)
    }
    salesforce_pull()
    deals = {slug: Opportunity.objects.get(salesforce_id=r["Id"]) for slug, r in records.items()}
    assert {d.owner for d in deals.values()} == {japan.user}

    # when she lists her deals and changes two
    rep = client_for(japan.user)
    listed = rep.get("/api/v1/opportunities/?owner=rep.japan")
    own = rep.patch(f"/api/v1/opportunities/{deals['bitflyer'].pk}/", {"probability": 40}, format="json")
    seen = rep.patch(f"/api/v1/opportunities/{deals['bybit'].pk}/", {"probability": 40}, format="json")
    unseen = rep.get(f"/api/v1/opportunities/{deals['kraken'].pk}/")

    # then owning the deal changes nothing of the rule: the exchange's visibility and ownership decide
    assert sorted((row["name"], row["owner"]) for row in listed.json()["results"]) == [
        ("Bybit deal", "rep.japan"),
        ("bitFlyer deal", "rep.japan"),
    ]
    assert (own.status_code, own.json()["probability"]) == (200, 40)
    assert seen.status_code == 403
    assert unseen.status_code == 404
    deals["bybit"].refresh_from_db()
    assert deals["bybit"].probability == 10  # the refused change wrote nothing


def test_a_deal_held_for_its_account_takes_its_owner_when_a_manager_decides(salesforce, ann):
    # given a deal whose Salesforce Account looks like two exchanges: held, with its owner's email
    bitbank = ExchangeFactory(name="Bitbank", slug="bitbank")
    ExchangeFactory(name="Bitbang", slug="bitbang")
    org = salesforce.org
    account_id = org.insert("Account", {"Name": "Bitbanc"})["Id"]
    held = opportunity(org, account_id, "Engine", org_user(org, "ann.tanaka@example.com"))
    salesforce_pull()
    assert not Opportunity.objects.exists()

    # when a manager says it is Bitbank
    manager = RepFactory(user__username="manager", role=RepRole.MANAGER).user
    decided = pulled_account_decide(account=PulledAccount.objects.get(), exchange=bitbank, user=manager)

    # then the deal is applied with Ann as its owner
    assert decided == {"applied": 1, "refused": 0, "dropped": 0}
    assert owner_of(held) == ann


def user_queries(queries) -> int:
    return sum('"auth_user"' in q["sql"] for q in queries)


@pytest.mark.parametrize("count", [3, 30])
def test_the_owners_are_looked_up_once_per_page_whatever_its_size(salesforce, ann, bob, count):
    # given `count` changed opportunities in one REST page (then in pages of 10), owned by two users
    org = salesforce.org
    account_id = linked_account(org, ExchangeFactory(name="Bybit", slug="bybit"))
    owners = [org_user(org, "ann.tanaka@example.com"), org_user(org, "bob@example.com")]
    records = [opportunity(org, account_id, f"Deal {n}", owners[n % 2]) for n in range(count)]

    with CaptureQueriesContext(connection) as one_page:
        salesforce_pull()
    for record in records:
        org.edit("Opportunity", record["Id"], OwnerId=owners[0])
    salesforce.query_page_size = 10
    with CaptureQueriesContext(connection) as pages:
        salesforce_pull()

    # then one query of the users per page: 1 for the page of 3 and for the page of 30 alike
    assert user_queries(one_page.captured_queries) == 1
    assert user_queries(pages.captured_queries) == -(-count // 10)
    assert {owner_of(r) for r in records} == {ann}
