"""Merging a duplicate account into another: everything moves, conflicts keep the stronger evidence,
the merge is recorded, and the refused merges change nothing."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from crm.catalogue import CatalogueRecord
from crm.choices import FactOrigin, LicenceStatus, RepRole
from crm.models import Activity, Allocation, Contact, EvidenceChange, Exchange, ExchangeMerge, Presence
from crm.services import exchange_catalogue_import, exchange_merge
from intel.choices import AliasKind, MarketSource, MatchStatus, RegisterKind
from intel.models import Attendee, ExchangeAlias, MarketDataImport, MarketFigure, Register, RegisterEntry, Signal
from intel.queries import matcher_load
from leads.models import Score, ScoreChange
from tests.crm.factories import ExchangeFactory, RepFactory, UserFactory, jurisdiction, vendor
from tests.intel.factories import EventFactory

pytestmark = pytest.mark.django_db

OBSERVED = datetime.date(2025, 8, 1)


@pytest.fixture
def manager():
    return RepFactory(user=UserFactory(username="mei", first_name="Mei", last_name="Lin"), role=RepRole.MANAGER).user


@pytest.fixture
def rep():
    return RepFactory(user=UserFactory(username="kenji")).user


def allocation(exchange, vendor_slug, share, evidence, workload="all"):
    return Allocation.objects.create(
        exchange=exchange,
        vendor=vendor(vendor_slug),
        workload=workload,
        share_percent=Decimal(share),
        evidence_source=evidence,
        observed_on=OBSERVED,
    )


def presence(exchange, code, origin):
    return Presence.objects.create(
        exchange=exchange, jurisdiction=jurisdiction(code), licence_status=LicenceStatus.LICENSED, origin=origin
    )


@pytest.fixture
def accounts():
    """Target A (Coinbase) and its duplicate B (Coinbase Inc.), each holding evidence, people and history."""
    now = timezone.now()
    target = ExchangeFactory(name="Coinbase", slug="coinbase", website="https://www.coinbase.com")
    source = ExchangeFactory(
        name="Coinbase Inc.", slug="coinbase-inc", website="https://coinbase-inc.example", ccxt_id="coinbaseinc"
    )
    variant = ExchangeFactory(name="Coinbase Inc. Futures", slug="coinbase-inc-futures", family=source)
    # Allocations: a conflict on (aws, all) the source wins, one the target keeps on 100%.
    weak_aws = allocation(target, "aws", "50", "news")
    strong_aws = allocation(source, "aws", "40", "self_published")
    alibaba = allocation(source, "alibaba-cloud", "30", "rep_estimate")
    allocation(target, "tencent-cloud", "60", "vendor_case_study", workload="trading_engine")
    latency = allocation(source, "google-cloud", "50", "latency_hint", workload="trading_engine")
    # Presences: a person's entry beats the catalogue's, the register's beats the catalogue's.
    catalogue_jp = presence(target, "JP", FactOrigin.CATALOGUE)
    person_jp = presence(source, "JP", FactOrigin.PERSON)
    presence(target, "SG", FactOrigin.REGISTER)
    catalogue_sg = presence(source, "SG", FactOrigin.CATALOGUE)
    person_hk = presence(source, "HK", FactOrigin.PERSON)
    # People: Alice is on both accounts (same email), Bob only on the source.
    alice = Contact.objects.create(exchange=target, full_name="Alice Tan", email="alice@coinbase.com")
    alice_twin = Contact.objects.create(exchange=source, full_name="Alice T.", email="Alice@coinbase.com")
    bob = Contact.objects.create(exchange=source, full_name="Bob Ng", email="bob@coinbase.com")
    call = Activity.objects.create(
        exchange=source, contact=alice_twin, kind="call", occurred_at=now, summary="Intro call"
    )
    attendee = Attendee.objects.create(
        event=EventFactory(),
        full_name="Alice T.",
        company="Coinbase Inc.",
        dedupe_key="alice",
        exchange=source,
        contact=alice_twin,
        match_status=MatchStatus.MATCHED,
    )
    both = Signal.objects.create(kind="news", title="Names both", occurred_at=now)
    both.exchanges.set([target, source])
    only_source = Signal.objects.create(kind="news", title="Names the duplicate", occurred_at=now)
    only_source.exchanges.set([source])
    reading = MarketDataImport.objects.create(source=MarketSource.COINGECKO, as_of=OBSERVED, content_sha256="x")
    figure = MarketFigure.objects.create(
        market_import=reading,
        source=MarketSource.COINGECKO,
        as_of=OBSERVED,
        source_exchange_id="gdax",
        source_name="Coinbase Inc.",
        exchange=source,
        match_status=MatchStatus.MATCHED,
    )
    register = Register.objects.create(
        kind=RegisterKind.ESMA_MICA,
        authority="ESMA",
        jurisdiction=jurisdiction("EU"),
        source_url="https://www.esma.europa.eu",
        content_sha256="y",
        as_of=OBSERVED,
    )
    entry = RegisterEntry.objects.create(register=register, key="LEI1", legal_name="Coinbase Inc.", exchange=source)
    Score.objects.create(exchange=source, score=40, grade="C", factors=[], model_version=1, as_of=now, computed_at=now)
    for new_score in (30, 40):
        ScoreChange.objects.create(
            exchange=source, new_score=new_score, new_grade="C", model_version=1, cause="evidence", as_of=now,
            created_at=now,
        )  # fmt: skip
    return {
        "target": target,
        "source": source,
        "variant": variant,
        "weak_aws": weak_aws,
        "strong_aws": strong_aws,
        "alibaba": alibaba,
        "latency": latency,
        "catalogue_jp": catalogue_jp,
        "person_jp": person_jp,
        "catalogue_sg": catalogue_sg,
        "person_hk": person_hk,
        "alice": alice,
        "bob": bob,
        "call": call,
        "attendee": attendee,
        "only_source": only_source,
        "both": both,
        "figure": figure,
        "entry": entry,
    }


def test_a_merge_moves_everything_to_the_target_and_records_what_moved(accounts, manager):
    # given two accounts for one company
    target, source = accounts["target"], accounts["source"]

    # when the manager merges the duplicate into the target
    merge = exchange_merge(source=source, target=target, user=manager)

    # then the source is gone, and the merge says exactly what moved
    assert not Exchange.objects.filter(slug="coinbase-inc").exists()
    assert merge.moved == {
        "activities": 1,
        "aliases": 0,
        "aliases_added": 2,
        "allocations": 2,
        "attendees": 1,
        "cloud_detections": 0,
        "contacts": 1,
        "duplicate_contacts": 1,
        "earlier_merges": 0,
        "endpoints": 0,
        "market_figures": 1,
        "opportunities": 0,
        "presences": 2,
        "register_entries": 1,
        "salesforce_accounts": 0,
        "score_changes": 2,
        "scores_deleted": 1,
        "signals": 1,
        "variants": 1,
    }
    assert (merge.source_name, merge.source_slug, merge.source_website, merge.source_ccxt_id) == (
        "Coinbase Inc.",
        "coinbase-inc",
        "https://coinbase-inc.example",
        "coinbaseinc",
    )
    assert (merge.target, merge.merged_by) == (target, manager)
    # and the target holds the stronger evidence of both
    assert sorted(target.allocations.values_list("pk", flat=True)) == sorted(
        [accounts["strong_aws"].pk, accounts["alibaba"].pk, target.allocations.get(workload="trading_engine").pk]
    )
    assert sorted(target.presences.values_list("jurisdiction__code", "origin")) == [
        ("HK", FactOrigin.PERSON),
        ("JP", FactOrigin.PERSON),
        ("SG", FactOrigin.REGISTER),
    ]
    # and the people, their activities and the people met at events point at the contact that stays
    assert sorted(target.contacts.values_list("full_name", flat=True)) == ["Alice Tan", "Bob Ng"]
    assert Activity.objects.get(pk=accounts["call"].pk).contact_id == accounts["alice"].pk
    attendee = Attendee.objects.get(pk=accounts["attendee"].pk)
    assert (attendee.exchange_id, attendee.contact_id) == (target.pk, accounts["alice"].pk)
    # and the signals, market figures, register entries, history and variants moved
    assert sorted(target.signals.values_list("title", flat=True)) == ["Names both", "Names the duplicate"]
    assert MarketFigure.objects.get(pk=accounts["figure"].pk).exchange_id == target.pk
    assert RegisterEntry.objects.get(pk=accounts["entry"].pk).exchange_id == target.pk
    assert ScoreChange.objects.filter(exchange=target).count() == 2
    assert Score.objects.filter(exchange_id=source.pk).count() == 0
    assert Exchange.objects.get(slug="coinbase-inc-futures").family_id == target.pk
    # and the target is to be rescored
    assert list(EvidenceChange.objects.filter(exchange=target).values_list("cause", "reference")) == [
        ("merge", f"merge:{merge.pk}")
    ]


def test_a_merge_says_which_evidence_it_dropped(accounts, manager):
    merge = exchange_merge(source=accounts["source"], target=accounts["target"], user=manager)

    assert merge.dropped == [
        "Dropped Coinbase's allocation on AWS (All workloads, 50%, News report): "
        "Coinbase Inc.'s allocation on AWS (All workloads, 40%, Self-published) is stronger evidence.",
        "Dropped Coinbase Inc.'s allocation on Google Cloud (Trading engine, 50%, Latency hint (unverified)): "
        "the shares for 'Trading engine' would add up to more than 100%.",
        "Dropped Coinbase's presence in JP (Exchange catalogue): Coinbase Inc.'s (Entered by a person) wins.",
        "Dropped Coinbase Inc.'s presence in SG (Exchange catalogue): Coinbase's (Regulator's register) wins.",
    ]
    assert not Allocation.objects.filter(pk__in=[accounts["weak_aws"].pk, accounts["latency"].pk]).exists()
    assert not Presence.objects.filter(pk__in=[accounts["catalogue_jp"].pk, accounts["catalogue_sg"].pk]).exists()


def test_a_merge_makes_the_source_name_and_domain_aliases_so_a_reimport_matches_the_target(accounts, manager):
    target = accounts["target"]
    exchange_merge(source=accounts["source"], target=target, user=manager)

    assert sorted(ExchangeAlias.objects.filter(exchange=target).values_list("kind", "alias", "source")) == [
        (AliasKind.DOMAIN, "coinbase-inc.example", "merged from Coinbase Inc."),
        (AliasKind.NAME, "Coinbase Inc.", "merged from Coinbase Inc."),
    ]
    matcher = matcher_load()
    assert matcher.match(company="Someone", email="someone@coinbase-inc.example").exchange_id == target.pk
    assert matcher.match(company="Coinbase Inc.").exchange_id == target.pk


def test_the_catalogue_import_does_not_recreate_a_merged_account(accounts, manager):
    target = accounts["target"]
    exchange_merge(source=accounts["source"], target=target, user=manager)

    summary = exchange_catalogue_import(
        records=[CatalogueRecord("coinbaseinc", "Coinbase Inc.", "https://coinbase-inc.example", ("US",), False)]
    )

    assert summary.skipped == [("coinbaseinc", "merged into Coinbase")]
    assert summary.created == 0
    assert not Exchange.objects.filter(ccxt_id="coinbaseinc").exists()


def test_a_later_merge_keeps_the_record_of_an_earlier_one(accounts, manager):
    target, source = accounts["target"], accounts["source"]
    older = ExchangeFactory(name="Coinbase Pro", slug="coinbase-pro")
    exchange_merge(source=older, target=source, user=manager)

    merge = exchange_merge(source=source, target=target, user=manager)

    assert merge.moved["earlier_merges"] == 1
    assert sorted(ExchangeMerge.objects.filter(target=target).values_list("source_name", flat=True)) == [
        "Coinbase Inc.",
        "Coinbase Pro",
    ]


def _snapshot():
    return {
        "exchanges": sorted(Exchange.objects.values_list("slug", "family_id")),
        "allocations": sorted(Allocation.objects.values_list("pk", "exchange_id")),
        "presences": sorted(Presence.objects.values_list("pk", "exchange_id")),
        "contacts": sorted(Contact.objects.values_list("pk", "exchange_id")),
        "attendees": sorted(Attendee.objects.values_list("pk", "exchange_id", "contact_id")),
        "score_changes": sorted(ScoreChange.objects.values_list("pk", "exchange_id")),
        "aliases": ExchangeAlias.objects.count(),
        "merges": ExchangeMerge.objects.count(),
        "evidence_changes": EvidenceChange.objects.count(),
    }


def test_a_rep_may_not_merge_and_nothing_changes(accounts, rep):
    before = _snapshot()

    with pytest.raises(PermissionDenied):
        exchange_merge(source=accounts["source"], target=accounts["target"], user=rep)

    assert _snapshot() == before


def test_an_account_is_not_merged_into_itself(accounts, manager):
    before = _snapshot()

    with pytest.raises(ValidationError) as error:
        exchange_merge(source=accounts["target"], target=accounts["target"], user=manager)

    assert error.value.message_dict == {"source": ["Coinbase cannot be merged into itself."]}
    assert _snapshot() == before


def test_a_family_is_not_merged_into_its_own_variant(accounts, manager):
    before = _snapshot()

    with pytest.raises(ValidationError) as error:
        exchange_merge(source=accounts["source"], target=accounts["variant"], user=manager)

    assert error.value.message_dict == {
        "source": [
            "Coinbase Inc. Futures is a variant of Coinbase Inc.: merging the family into its own variant would "
            "make the family a variant of itself. Merge Coinbase Inc. Futures into Coinbase Inc. instead."
        ]
    }
    assert _snapshot() == before


def test_a_variant_merges_into_its_family(accounts, manager):
    merge = exchange_merge(source=accounts["variant"], target=accounts["source"], user=manager)

    assert merge.source_slug == "coinbase-inc-futures"
    assert not Exchange.objects.filter(slug="coinbase-inc-futures").exists()


def test_the_admin_shows_the_merge_on_the_target_and_in_its_list(client, accounts, manager):
    exchange_merge(source=accounts["source"], target=accounts["target"], user=manager)
    client.force_login(UserFactory(username="keeper", is_staff=True, is_superuser=True))

    page = client.get(f"/admin/crm/exchange/{accounts['target'].pk}/change/")
    merges = client.get("/admin/crm/exchangemerge/")

    assert f"Coinbase Inc. on {timezone.localdate():%Y-%m-%d} by Mei Lin" in page.content.decode()
    assert merges.status_code == 200
    assert "Coinbase Inc." in merges.content.decode()
