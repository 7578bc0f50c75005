"""The permission matrix over every resource: rep in territory, rep outside, owner, manager, read-only
token, revoked token, anonymous. Visibility comes from Exchange.objects.visible_to alone."""

import pytest

from crm.choices import TokenAccess
from crm.models import Contact, Exchange, Jurisdiction
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db

LISTS = [
    "exchanges",
    "vendors",
    "jurisdictions",
    "presences",
    "allocations",
    "contacts",
    "activities",
    "signals",
    "regulations",
    "events",
    "attendees",
    "follow-ups",
    "scoring-models",
    "leads",
    "score-changes",
    "tokens",
    "webhooks",
]
SCOPED = ["exchanges", "presences", "allocations", "contacts", "activities", "signals", "attendees", "follow-ups"]
# What the Japan rep sees: bitFlyer (owned, JP) and Bybit (present in JP), never Coinhako (SG) or Kraken (US).
JAPAN_SEES = ["bitflyer", "bybit"]


def key(resource, row):
    return row["slug"] if resource == "exchanges" else row["id"]


def identity(cast, who):
    if who == "anonymous":
        return client_for()
    if who == "revoked token":
        return client_for(cast["japan"], token_access=TokenAccess.WRITE, revoked=True)
    if who == "read-only token":
        return client_for(cast["japan"], token_access=TokenAccess.READ)
    return client_for(cast[who])


@pytest.mark.parametrize("resource", LISTS)
@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 401), ("revoked token", 401), ("read-only token", 200), ("japan", 200), ("manager", 200)],
)
def test_every_list_answers_401_without_valid_credentials_and_200_with_them(world, cast, resource, who, expected):
    response = identity(cast, who).get(f"/api/v1/{resource}/")

    assert response.status_code == expected
    if expected == 401:
        assert response.headers["WWW-Authenticate"] == 'Token realm="api"'


@pytest.mark.parametrize("resource", SCOPED)
@pytest.mark.parametrize(
    ("who", "visible"),
    [
        ("japan", ["bitflyer", "bybit"]),
        ("singapore", ["coinhako"]),
        ("manager", ["bitflyer", "bybit", "coinhako", "kraken"]),
    ],
)
def test_a_list_holds_exactly_the_objects_of_the_exchanges_the_caller_may_see(world, cast, resource, who, visible):
    response = client_for(cast[who]).get(f"/api/v1/{resource}/", {"page_size": 100})

    assert response.status_code == 200
    assert sorted(str(key(resource, row)) for row in response.json()["results"]) == sorted(
        str(world[slug][resource]) for slug in visible
    )


@pytest.mark.parametrize("resource", SCOPED)
def test_an_object_of_an_exchange_outside_the_reps_territory_answers_404(world, cast, resource):
    client = client_for(cast["japan"])

    assert client.get(f"/api/v1/{resource}/{world['coinhako'][resource]}/").status_code == 404
    assert client.get(f"/api/v1/{resource}/{world['kraken'][resource]}/").status_code == 404
    assert client.get(f"/api/v1/{resource}/{world['bybit'][resource]}/").status_code == 200


@pytest.mark.parametrize("resource", ["leads", "score-changes"])
def test_the_leads_list_and_the_change_feed_hold_only_visible_exchanges(world, cast, resource):
    response = client_for(cast["japan"]).get(f"/api/v1/{resource}/")

    field = "slug" if resource == "leads" else "exchange"
    assert sorted(row[field] for row in response.json()["results"]) == JAPAN_SEES


def test_an_owner_changes_their_account_but_a_rep_cannot_change_one_they_only_see(world, cast):
    client = client_for(cast["japan"])

    owned = client.patch(f"/api/v1/contacts/{world['bitflyer']['contacts']}/", {"title": "CTO"})
    seen = client.patch(f"/api/v1/contacts/{world['bybit']['contacts']}/", {"title": "CTO"})

    assert owned.status_code == 200, owned.json()
    assert seen.status_code == 403
    assert Contact.objects.get(pk=world["bitflyer"]["contacts"]).title == "CTO"
    assert Contact.objects.get(pk=world["bybit"]["contacts"]).title == ""


def test_a_rep_cannot_attach_a_record_to_an_account_they_do_not_own(world, cast):
    response = client_for(cast["japan"]).post("/api/v1/contacts/", {"exchange": "bybit", "full_name": "Ada"})

    assert response.status_code == 403
    assert Contact.objects.filter(full_name="Ada").count() == 0


def test_a_rep_cannot_name_an_exchange_they_cannot_see(world, cast):
    response = client_for(cast["japan"]).post("/api/v1/contacts/", {"exchange": "coinhako", "full_name": "Ada"})

    assert response.status_code == 400
    assert response.json() == {"exchange": ["Object with slug=coinhako does not exist."]}
    assert Contact.objects.filter(full_name="Ada").count() == 0


def test_a_manager_changes_any_account(world, cast):
    response = client_for(cast["manager"]).patch(f"/api/v1/contacts/{world['coinhako']['contacts']}/", {"title": "CEO"})

    assert response.status_code == 200
    assert Contact.objects.get(pk=world["coinhako"]["contacts"]).title == "CEO"


def test_a_read_only_token_reads_but_never_writes(world, cast):
    client = client_for(cast["japan"], token_access=TokenAccess.READ)

    read = client.get(f"/api/v1/contacts/{world['bitflyer']['contacts']}/")
    write = client.patch(f"/api/v1/contacts/{world['bitflyer']['contacts']}/", {"title": "CTO"})

    assert read.status_code == 200
    assert write.status_code == 403
    assert write.json() == {"detail": "This token is read-only: create a read-write token to change data."}
    assert Contact.objects.get(pk=world["bitflyer"]["contacts"]).title == ""


def test_a_read_write_token_writes_what_its_user_owns(world, cast):
    client = client_for(cast["japan"], token_access=TokenAccess.WRITE)

    response = client.patch(f"/api/v1/contacts/{world['bitflyer']['contacts']}/", {"title": "CTO"})

    assert response.status_code == 200
    assert Contact.objects.get(pk=world["bitflyer"]["contacts"]).title == "CTO"


@pytest.mark.parametrize(
    ("resource", "body"),
    [
        ("jurisdictions", {"code": "TV", "name": "Tuvalu"}),
        ("vendors", {"slug": "new-cloud", "name": "New Cloud"}),
        (
            "regulations",
            {"jurisdiction": "SG", "name": "DTSP", "effective_on": "2025-06-30", "pressured_statuses": ["unlicensed"]},
        ),
        (
            "events",
            {
                "name": "Token2049",
                "slug": "token2049",
                "city": "Singapore",
                "country": "SG",
                "starts_on": "2025-10-01",
                "ends_on": "2025-10-02",
            },
        ),
    ],
)
def test_reference_data_is_changed_by_managers_only(world, cast, resource, body):
    refused = client_for(cast["japan"]).post(f"/api/v1/{resource}/", body)
    count_after_refusal = client_for(cast["manager"]).get(f"/api/v1/{resource}/").json()
    accepted = client_for(cast["manager"]).post(f"/api/v1/{resource}/", body)

    assert refused.status_code == 403
    assert accepted.status_code == 201, accepted.json()
    assert len(count_after_refusal["results"]) + 1 == len(
        client_for(cast["manager"]).get(f"/api/v1/{resource}/", {"page_size": 100}).json()["results"]
    )


def test_bad_input_names_the_field_and_writes_nothing(cast):
    response = client_for(cast["manager"]).post("/api/v1/jurisdictions/", {"code": "XX", "name": "Nowhere"})

    assert response.status_code == 400
    assert response.json() == {"code": ["XX is not an ISO 3166-1 alpha-2 country code (nor one of: EU)."]}
    assert Jurisdiction.objects.filter(code="XX").count() == 0


# ---------------------------------------------------------------- owners and Salesforce ids


def test_an_exchange_a_rep_creates_is_theirs_and_they_change_it(cast):
    client = client_for(cast["japan"])

    created = client.post("/api/v1/exchanges/", {"name": "Zaif", "slug": "zaif", "headquarters": "SG"})
    changed = client.patch("/api/v1/exchanges/zaif/", {"notes": "Met at WebX"})

    assert created.status_code == 201, created.json()
    assert created.json()["owner"] == "rep.japan"
    assert changed.status_code == 200
    assert Exchange.objects.get(slug="zaif").notes == "Met at WebX"


@pytest.mark.parametrize("owner", [None, "rep.singapore"])
def test_a_rep_cannot_create_an_exchange_for_nobody_or_someone_else(cast, owner):
    response = client_for(cast["japan"]).post(
        "/api/v1/exchanges/", {"name": "Zaif", "slug": "zaif", "owner": owner}, format="json"
    )

    assert response.status_code == 403
    assert response.json() == {"owner": ["Only a manager assigns an account's owner (to someone else, or to nobody)."]}
    assert not Exchange.objects.filter(slug="zaif").exists()


@pytest.mark.parametrize("owner", [None, "rep.singapore"])
def test_a_rep_cannot_give_away_their_account_or_leave_it_to_nobody(cast, owner):
    response = client_for(cast["japan"]).patch("/api/v1/exchanges/bitflyer/", {"owner": owner}, format="json")

    assert response.status_code == 403
    assert list(response.json()) == ["owner"]
    assert Exchange.objects.get(slug="bitflyer").owner == cast["japan"]


def test_a_manager_assigns_owners_and_creates_unowned_accounts(cast):
    client = client_for(cast["manager"])

    given = client.patch("/api/v1/exchanges/kraken/", {"owner": "rep.japan"}, format="json")
    unowned = client.post("/api/v1/exchanges/", {"name": "Zaif", "slug": "zaif"}, format="json")

    assert given.status_code == 200
    assert Exchange.objects.get(slug="kraken").owner == cast["japan"]
    assert unowned.status_code == 201
    assert unowned.json()["owner"] is None


@pytest.mark.parametrize(
    ("resource", "key", "field"),
    [("exchanges", "bitflyer", "salesforce_account_id"), ("contacts", None, "salesforce_id")],
)
def test_only_a_manager_sets_salesforce_ids(world, cast, resource, key, field):
    key = key or world["bitflyer"]["contacts"]
    url = f"/api/v1/{resource}/{key}/"

    refused = client_for(cast["japan"]).patch(url, {field: "001000000000001AAA"})
    unchanged = client_for(cast["japan"]).patch(url, {field: "", "notes": "same id sent back"})
    accepted = client_for(cast["manager"]).patch(url, {field: "001000000000001AAA"})

    assert refused.status_code == 403
    assert refused.json() == {field: [f"Only a manager sets {field}."]}
    assert unchanged.status_code == 200, unchanged.json()
    assert accepted.status_code == 200
    assert accepted.json()[field] == "001000000000001AAA"
