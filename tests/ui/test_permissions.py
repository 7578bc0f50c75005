"""The permission matrix of the pages, like the API's: every page and form POST x manager / rep A /
rep B / anonymous x an account the caller may change, one they may only see, one they may not see.
The rule is crm.access alone: a refusal answers 403 with its message (404 when the account does not
exist for the caller, the login page for the anonymous) and changes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.apps import apps
from django.test import Client

from crm.choices import RepRole
from intel.choices import MatchMethod, MatchStatus
from intel.models import Attendee
from leads.models import FollowUp
from tests.crm.factories import AllocationFactory, ExchangeFactory, PresenceFactory, RepFactory, jurisdiction, vendor
from tests.intel.factories import EventFactory

pytestmark = pytest.mark.django_db

WHO = ["manager", "rep_a", "rep_b", "anonymous"]
TARGETS = ["bitflyer", "bybit", "coinhako"]
# What each caller may do with each account: rep A owns bitFlyer (JP), rep B owns Coinhako (SG); both
# see Bybit (present in JP and SG, nobody's); the manager changes everything.
ACCESS = {
    "manager": {"bitflyer": "change", "bybit": "change", "coinhako": "change"},
    "rep_a": {"bitflyer": "change", "bybit": "see", "coinhako": "none"},
    "rep_b": {"bitflyer": "none", "bybit": "see", "coinhako": "change"},
    "anonymous": dict.fromkeys(TARGETS, "anonymous"),
}
CHANGE_REFUSED = "You may change only the accounts you own; Bybit is not yours (a manager changes any)."
# The tables a page action may write; sessions and caches are not the user's data.
APPS = ("crm", "intel", "leads")
EXCLUDED = {"apitoken"}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cast(db):
    rep_a = RepFactory(user__username="rep.a", territories=[jurisdiction("JP")]).user
    rep_b = RepFactory(user__username="rep.b", territories=[jurisdiction("SG")]).user
    manager = RepFactory(user__username="boss", role=RepRole.MANAGER).user
    bitflyer = ExchangeFactory(name="bitFlyer", slug="bitflyer", headquarters=jurisdiction("JP"), owner=rep_a)
    bybit = ExchangeFactory(name="Bybit", slug="bybit", headquarters=jurisdiction("AE"))
    PresenceFactory(exchange=bybit, jurisdiction=jurisdiction("JP"))
    PresenceFactory(exchange=bybit, jurisdiction=jurisdiction("SG"))
    coinhako = ExchangeFactory(name="Coinhako", slug="coinhako", headquarters=jurisdiction("SG"), owner=rep_b)
    spare = ExchangeFactory(name="Spare Duplicate", slug="spare", headquarters=jurisdiction("US"))
    event = EventFactory(slug="webx-2025")
    world = {"manager": manager, "rep_a": rep_a, "rep_b": rep_b, "event": event, "spare": spare}
    for exchange in (bitflyer, bybit, coinhako):
        presence = exchange.presences.first() or PresenceFactory(exchange=exchange, jurisdiction=exchange.headquarters)
        allocation = AllocationFactory(exchange=exchange, vendor=vendor("alibaba-cloud"), share_percent=Decimal("50"))
        suggested = Attendee.objects.create(
            event=event,
            full_name=f"Unsure at {exchange.name}",
            company=f"{exchange.name} Ltd",
            email=f"unsure@{exchange.slug}.example",
            dedupe_key=f"unsure-{exchange.slug}",
            exchange=exchange,
            match_status=MatchStatus.REVIEW,
            match_method=MatchMethod.FUZZY_NAME,
            match_confidence=70,
        )
        met = Attendee.objects.create(
            event=event,
            full_name=f"Met at {exchange.name}",
            company=exchange.name,
            dedupe_key=f"met-{exchange.slug}",
            exchange=exchange,
            match_status=MatchStatus.MATCHED,
        )
        follow_up = FollowUp.objects.create(
            attendee=met, event=met.event, due_at=datetime.datetime(2025, 9, 1, tzinfo=datetime.UTC)
        )
        world[exchange.slug] = {
            "exchange": exchange,
            "presence": presence,
            "allocation": allocation,
            "suggested": suggested,
            "follow_up": follow_up,
        }
    return world


def client_for(cast, who: str) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(cast[who])
    return client


def snapshot() -> dict:
    """Every row of the product's tables: a refused action leaves this exactly as it was."""
    state = {}
    for app in APPS:
        for model in apps.get_app_config(app).get_models():
            if model._meta.model_name in EXCLUDED:
                continue
            state[model._meta.label] = list(model.objects.order_by("pk").values())
    return state


@pytest.fixture
def no_cloud_checks(monkeypatch):
    """The footprint check queues a task that looks up DNS: record the queueing instead."""
    from intel.technographics import tasks

    queued = []
    monkeypatch.setattr(tasks.detect_clouds_task, "delay", lambda *args: queued.append(args))
    return queued


def exchange_action(name: str, success: int, path, data):
    """An action on one account: `path(world, slug)` and `data(world, slug)` build the request."""
    return pytest.param(name, success, path, data, id=name)


EXCHANGE_ACTIONS = [
    exchange_action(
        "log an activity",
        302,
        lambda w, s: f"/exchanges/{s}/activities/",
        lambda w, s: {"kind": "call", "occurred_at": "2025-08-25T10:00", "summary": "Checked in"},
    ),
    exchange_action(
        "set the size by hand",
        302,
        lambda w, s: f"/exchanges/{s}/size/",
        lambda w, s: {"size_tier_by_hand": "large", "size_source": "24h volume USD 1bn, CoinGecko, 2025-08-01"},
    ),
    exchange_action(
        "add an allocation",
        302,
        lambda w, s: f"/exchanges/{s}/allocations/",
        lambda w, s: {
            "vendor": vendor("aws").pk,
            "workload": "wallets",
            "share_percent": "30",
            "evidence_source": "news",
            "source_url": "https://example.com/case",
            "observed_on": "2025-08-01",
        },
    ),
    exchange_action(
        "change an allocation",
        302,
        lambda w, s: f"/exchanges/{s}/allocations/{w[s]['allocation'].pk}/",
        lambda w, s: {
            "vendor": vendor("alibaba-cloud").pk,
            "workload": w[s]["allocation"].workload,
            "share_percent": "40",
            "evidence_source": "news",
            "source_url": "https://example.com/case",
            "observed_on": "2025-08-01",
        },
    ),
    exchange_action(
        "add a presence",
        302,
        lambda w, s: f"/exchanges/{s}/presences/",
        lambda w, s: {
            "jurisdiction": jurisdiction("KR").pk,
            "licence_status": "pending",
            "source": "FSC register",
            "source_url": "https://example.com/register",
        },
    ),
    exchange_action(
        "change a presence",
        302,
        lambda w, s: f"/exchanges/{s}/presences/{w[s]['presence'].pk}/",
        lambda w, s: {
            "jurisdiction": w[s]["presence"].jurisdiction_id,
            "licence_status": "banned",
            "source": "Regulator notice",
            "source_url": "https://example.com/notice",
        },
    ),
    exchange_action(
        "add a contact",
        302,
        lambda w, s: f"/exchanges/{s}/contacts/",
        lambda w, s: {"full_name": "Ada Lovelace", "role": "engineer", "email": "ada@example.com"},
    ),
    exchange_action(
        "confirm a review match",
        302,
        lambda w, s: f"/events/webx-2025/review/{w[s]['suggested'].pk}/",
        lambda w, s: {"decision": "confirm"},
    ),
    exchange_action(
        "mark not an exchange",
        302,
        lambda w, s: f"/events/webx-2025/review/{w[s]['suggested'].pk}/",
        lambda w, s: {"decision": "not_exchange"},
    ),
    exchange_action(
        "move a follow-up on",
        302,
        lambda w, s: f"/events/webx-2025/follow-ups/{w[s]['follow_up'].pk}/status/",
        lambda w, s: {"status": "contacted"},
    ),
]


@pytest.mark.parametrize(("name", "success", "path", "data"), EXCHANGE_ACTIONS)
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("who", WHO)
def test_an_account_action_is_done_by_whoever_may_change_the_account_and_refused_to_everyone_else(
    cast, who, target, name, success, path, data
):
    url = path(cast, target)
    before = snapshot()

    response = client_for(cast, who).post(url, data(cast, target))

    access = ACCESS[who][target]
    if access == "change":
        assert response.status_code == success, response.content.decode()[:2000]
        assert snapshot() != before
        return
    expected = {"anonymous": 302, "none": 404, "see": 403}[access]
    assert response.status_code == expected
    if access == "anonymous":
        assert response["Location"].startswith("/login/?next=")
    if access == "see":
        body = " ".join(response.content.decode().split())
        assert CHANGE_REFUSED in body or "You may change only your own follow-ups" in body
    assert snapshot() == before


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("who", WHO)
def test_the_cloud_check_is_queued_only_for_whoever_may_change_the_account(cast, no_cloud_checks, who, target):
    response = client_for(cast, who).post(f"/exchanges/{target}/footprint/check/")

    access = ACCESS[who][target]
    expected = {"change": 302, "anonymous": 302, "none": 404, "see": 403}[access]
    assert response.status_code == expected
    assert no_cloud_checks == ([(cast[target]["exchange"].pk,)] if access == "change" else [])


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("who", WHO)
def test_a_signal_naming_an_account_is_recorded_only_by_whoever_may_change_it(cast, who, target):
    before = snapshot()

    response = client_for(cast, who).post(
        "/signals/new/",
        {
            "kind": "ai_interest",
            "title": "Asks about LLM hosting",
            "occurred_at": "2025-08-25T10:00",
            "severity": 3,
            "exchanges": [target],
            "source_note": "Rep note",
            "save": "1",
        },
    )

    access = ACCESS[who][target]
    # An account the caller may not see is not among the form's choices: the form refuses it (400).
    expected = {"change": 302, "anonymous": 302, "none": 400, "see": 403}[access]
    assert response.status_code == expected
    assert (snapshot() != before) is (access == "change")


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("who", WHO)
def test_choosing_an_account_for_a_person_in_review_needs_the_right_to_change_it(cast, who, target):
    person = Attendee.objects.create(
        event=cast["event"],
        full_name="Nobody Sure",
        company="Some Exchange",
        email="nobody@some.example",
        dedupe_key="nobody",
        match_status=MatchStatus.REVIEW,
    )
    before = snapshot()

    response = client_for(cast, who).post(
        f"/events/webx-2025/review/{person.pk}/", {"decision": "choose", "exchange": target}
    )

    access = ACCESS[who][target]
    # An account the caller may not see is not on their list: the queue says "pick one from the list".
    expected = {"change": 302, "anonymous": 302, "none": 302, "see": 403}[access]
    assert response.status_code == expected
    person.refresh_from_db()
    if access == "change":
        assert (person.exchange.slug, person.match_status, person.contact.email) == (
            target,
            "matched",
            "nobody@some.example",
        )
    else:
        assert snapshot() == before


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("who", WHO)
def test_the_exchange_page_opens_with_its_forms_read_only_or_not_at_all(cast, who, target):
    response = client_for(cast, who).get(f"/exchanges/{target}/")

    access = ACCESS[who][target]
    expected = {"change": 200, "see": 200, "none": 404, "anonymous": 302}[access]
    assert response.status_code == expected
    if response.status_code == 200:
        body = response.content.decode()
        assert ("Log an activity" in body) is (access == "change")
        assert ("You see this account read-only" in body) is (access == "see")


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("who", WHO)
def test_merging_an_account_is_for_managers(cast, who, target):
    before = snapshot()

    response = client_for(cast, who).post(f"/exchanges/{target}/merge/", {"source": "spare", "confirm": "on"})

    access = ACCESS[who][target]
    if who == "manager":
        assert response.status_code == 302
        assert snapshot() != before
        return
    expected = {"see": 403, "change": 403, "none": 404, "anonymous": 302}[access]
    assert response.status_code == expected
    assert snapshot() == before


EVENT_DATA = {
    "name": "Token2049",
    "city": "Singapore",
    "country": "",
    "starts_on": "2025-10-01",
    "ends_on": "2025-10-02",
    "timezone": "Asia/Singapore",
    "follow_up_sla_hours": 48,
}


def manager_action(name: str, path: str, data, message: str):
    return pytest.param(path, data, message, id=name)


MANAGER_ACTIONS = [
    manager_action(
        "create an event",
        "/events/new/",
        lambda w: {**EVENT_DATA, "country": jurisdiction("SG").pk},
        "Only a manager creates events.",
    ),
    manager_action(
        "assign follow-ups",
        "/events/webx-2025/follow-ups/assign/",
        lambda w: {"follow_ups": [w["bybit"]["follow_up"].pk], "assignee": "rep.a"},
        "Only a manager assigns follow-ups.",
    ),
]


@pytest.mark.parametrize(("path", "data", "message"), MANAGER_ACTIONS)
@pytest.mark.parametrize("who", WHO)
def test_team_wide_actions_are_for_managers(cast, who, path, data, message):
    before = snapshot()

    response = client_for(cast, who).post(path, data(cast))

    if who == "manager":
        assert response.status_code == 302
        assert snapshot() != before
        return
    assert response.status_code == (302 if who == "anonymous" else 403)
    if who == "anonymous":
        assert response["Location"].startswith("/login/?next=")
    else:
        assert message in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize(("who", "expected"), [("manager", 200), ("rep_a", 403), ("rep_b", 403), ("anonymous", 302)])
def test_the_scoring_model_page_is_for_managers(cast, who, expected):
    before = snapshot()

    page = client_for(cast, who).get("/scoring-model/")
    posted = client_for(cast, who).post("/scoring-model/", {"name": "mine", "activate": "1"})

    assert page.status_code == expected
    assert posted.status_code == expected  # the manager's incomplete form comes back with its errors
    assert snapshot() == before


@pytest.mark.parametrize(("who", "expected"), [("manager", 200), ("rep_a", 200), ("rep_b", 200), ("anonymous", 302)])
def test_anyone_signed_in_previews_an_upload_and_the_preview_writes_nothing(cast, who, expected):
    from django.core.files.uploadedfile import SimpleUploadedFile

    before = snapshot()
    upload = SimpleUploadedFile("scans.csv", b"name,company,email\nAiko,bitFlyer,aiko@bitflyer.example\n")

    response = client_for(cast, who).post("/events/webx-2025/upload/", {"file": upload})

    assert response.status_code == expected
    assert snapshot() == before


def test_the_review_queue_names_only_the_exchanges_the_viewer_may_see(cast):
    person = cast["bybit"]["suggested"]
    person.match_candidates = [
        {"exchange_id": cast["bybit"]["exchange"].pk, "name": "Bybit", "confidence": 70},
        {"exchange_id": cast["coinhako"]["exchange"].pk, "name": "Coinhako", "confidence": 65},
        {"exchange_id": cast["bitflyer"]["exchange"].pk, "name": "bitFlyer", "confidence": 60},
    ]
    person.save()

    seen_by_a = client_for(cast, "rep_a").get("/events/webx-2025/review/").content.decode()
    seen_by_manager = client_for(cast, "manager").get("/events/webx-2025/review/").content.decode()

    assert "Also considered: bitFlyer (60%)</small>" in seen_by_a
    assert "Coinhako" not in seen_by_a
    assert "Also considered: Coinhako (65%), bitFlyer (60%)</small>" in seen_by_manager
    # and a rep who may only see Bybit is told who decides, with no button to do it
    assert "Bybit is not your account: its owner or a manager decides this person." in seen_by_a
    assert f'action="/events/webx-2025/review/{person.pk}/"' not in seen_by_a
