"""The exchange page's research forms: its owner and a manager record size, allocations, presences and
contacts; another rep who only sees the account gets no form and a 403 that changes nothing; a manager
merges duplicates; the family and the market figure are shown."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.choices import FactOrigin, LicenceStatus
from crm.models import Allocation, Contact, EvidenceChange, Exchange, ExchangeMerge, Presence
from intel.choices import MarketSource, MatchStatus
from intel.models import MarketDataImport, MarketFigure
from leads.services import scores_rescore
from tests.crm.factories import ExchangeFactory, RepFactory, UserFactory, jurisdiction, vendor
from tests.ui.conftest import add_exchanges, build_world
from tests.ui.test_query_counts import count_queries

pytestmark = pytest.mark.django_db

PAGE = "/exchanges/bitbank/"


@pytest.fixture
def bitbank(team):
    """Kenji's account, headquartered in Japan and present in Singapore (so Priya sees it, but may not change it)."""
    exchange = ExchangeFactory(
        name="Bitbank", slug="bitbank", website="https://bitbank.cc", headquarters=jurisdiction("JP")
    )
    exchange.owner = team["japan"]
    exchange.save()
    Presence.objects.create(exchange=exchange, jurisdiction=jurisdiction("SG"), licence_status=LicenceStatus.UNKNOWN)
    Allocation.objects.create(
        exchange=exchange,
        vendor=vendor("aws"),
        share_percent=Decimal("70"),
        evidence_source="news",
        observed_on=datetime.date(2025, 8, 1),
    )
    return exchange


def allocation_data(**changes) -> dict:
    data = {
        "vendor": vendor("alibaba-cloud").pk,
        "workload": "all",
        "region": "ap-northeast-1",
        "share_percent": "20",
        "evidence_source": "vendor_case_study",
        "source_url": "https://www.alibabacloud.com/customers/bitbank",
        "observed_on": "2025-08-20",
        "source_note": "",
        "confidence": "",
    }
    return {**data, **changes}


def presence_data() -> dict:
    return {
        "jurisdiction": jurisdiction("JP").pk,
        "licence_status": LicenceStatus.LICENSED,
        "licence_reference": "関東財務局長 第00004号",
        "since": "2017-09-29",
        "source": "FSA register",
        "source_url": "https://www.fsa.go.jp/menkyo/menkyoj/kasoutuka.pdf",
    }


def contact_data() -> dict:
    return {"full_name": "Aiko Mori", "role": "head_of_infra", "email": "aiko@bitbank.cc", "title": "Head of SRE"}


def size_data() -> dict:
    return {"size_tier_by_hand": "large", "size_source": "24h volume 52,000 BTC, CoinGecko, 2025-08-31"}


FORMS = [
    ("size/", size_data),
    ("allocations/", allocation_data),
    ("presences/", presence_data),
    ("contacts/", contact_data),
]


def snapshot(exchange) -> dict:
    exchange = Exchange.objects.get(pk=exchange.pk)
    return {
        "size": (exchange.size_tier_by_hand, exchange.size_source, exchange.size_set_by_id, exchange.size_set_on),
        "allocations": sorted(Allocation.objects.values_list("pk", "vendor_id", "share_percent")),
        "presences": sorted(Presence.objects.values_list("pk", "jurisdiction_id", "licence_status", "origin")),
        "contacts": sorted(Contact.objects.values_list("pk", "full_name")),
        "evidence_changes": EvidenceChange.objects.count(),
        "merges": ExchangeMerge.objects.count(),
        "exchanges": sorted(Exchange.objects.values_list("slug", flat=True)),
    }


@pytest.mark.parametrize("who", ["japan", "manager"])
def test_the_owner_and_a_manager_see_the_research_forms(client, team, bitbank, who):
    client.force_login(team[who])

    response = client.get(PAGE)

    assert response.status_code == 200
    for name in ("size_form", "allocation_form", "presence_form", "contact_form"):
        assert name in response.context
    html = response.content.decode()
    assert 'action="/exchanges/bitbank/allocations/"' in html
    assert "needs its source URL and the date of the source" in html


def test_another_rep_who_sees_the_account_gets_no_form(client, team, bitbank):
    client.force_login(team["singapore"])

    response = client.get(PAGE)

    assert response.status_code == 200
    assert response.context["can_edit"] is False
    for name in ("size_form", "allocation_form", "presence_form", "contact_form", "merge_form"):
        assert name not in response.context
    html = response.content.decode()
    assert 'action="/exchanges/bitbank/' not in html.replace('action="/exchanges/bitbank/activities/"', "")


@pytest.mark.parametrize(("path", "data"), FORMS)
def test_another_rep_posting_a_research_form_gets_403_and_nothing_changes(client, team, bitbank, path, data):
    client.force_login(team["singapore"])
    before = snapshot(bitbank)

    response = client.post(PAGE + path, data())

    assert response.status_code == 403
    assert snapshot(bitbank) == before


@pytest.mark.parametrize(("path", "data"), FORMS)
def test_a_rep_who_cannot_see_the_account_gets_404_and_nothing_changes(client, bitbank, path, data):
    outsider = RepFactory(user=UserFactory(username="tom"))
    outsider.territories.set([jurisdiction("GB")])
    client.force_login(outsider.user)
    before = snapshot(bitbank)

    response = client.post(PAGE + path, data())

    assert response.status_code == 404
    assert snapshot(bitbank) == before


@pytest.mark.parametrize("who", ["japan", "manager"])
def test_the_owner_or_a_manager_adds_an_allocation_with_its_default_confidence(client, team, bitbank, who):
    client.force_login(team[who])

    response = client.post(PAGE + "allocations/", allocation_data())

    added = Allocation.objects.get(exchange=bitbank, vendor__slug="alibaba-cloud")
    assert response.status_code == 302
    assert response["Location"] == f"{PAGE}#allocation-{added.pk}"
    assert (added.share_percent, added.region, added.confidence, added.observed_on) == (
        Decimal("20.00"),
        "ap-northeast-1",
        85,
        datetime.date(2025, 8, 20),
    )
    assert list(EvidenceChange.objects.values_list("cause", "reference")) == [("allocation", f"allocation:{added.pk}")]


def test_the_100_percent_rule_message_shows_next_to_the_share(client, team, bitbank):
    client.force_login(team["japan"])
    before = snapshot(bitbank)

    response = client.post(PAGE + "allocations/", allocation_data(share_percent="40"))

    message = (
        "Bitbank: the shares for workload 'All workloads' would add up to 110%, more than 100%. "
        "Lower another vendor's share first."
    )
    assert response.status_code == 400
    assert response.context["allocation_form"].errors == {"share_percent": [message]}
    assert response.context["open_form"] == "allocation"
    html = response.content.decode()
    assert "Lower another vendor&#x27;s share first." in html
    assert '<details id="allocation-form" open>' in html
    assert snapshot(bitbank) == before


def test_an_allocation_entered_on_the_page_needs_a_source_url_and_a_date(client, team, bitbank):
    client.force_login(team["japan"])
    before = snapshot(bitbank)

    response = client.post(PAGE + "allocations/", allocation_data(source_url="", observed_on=""))

    assert response.status_code == 400
    assert response.context["allocation_form"].errors == {
        "source_url": ["This field is required."],
        "observed_on": ["This field is required."],
    }
    assert snapshot(bitbank) == before


def test_the_owner_changes_an_allocation(client, team, bitbank):
    client.force_login(team["japan"])
    aws = bitbank.allocations.get()

    page = client.get(f"{PAGE}?allocation={aws.pk}")
    response = client.post(
        f"{PAGE}allocations/{aws.pk}/",
        allocation_data(vendor=aws.vendor_id, share_percent="90", evidence_source="rep_confirmed", confidence="80"),
    )

    assert page.context["allocation_form"].instance == aws
    assert page.context["open_form"] == "allocation"
    assert response.status_code == 302
    aws.refresh_from_db()
    assert (aws.share_percent, aws.evidence_source, aws.confidence) == (Decimal("90.00"), "rep_confirmed", 80)
    assert Allocation.objects.count() == 1


def test_another_exchanges_allocation_is_not_changed_through_this_page(client, team, bitbank):
    other = ExchangeFactory(name="Other", slug="other", owner=team["japan"])
    theirs = Allocation.objects.create(
        exchange=other, vendor=vendor("aws"), share_percent=10, evidence_source="news", observed_on="2025-08-01"
    )
    client.force_login(team["japan"])

    response = client.post(f"{PAGE}allocations/{theirs.pk}/", allocation_data(vendor=theirs.vendor_id))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.share_percent == Decimal("10.00")


@pytest.mark.parametrize("who", ["japan", "manager"])
def test_the_owner_or_a_manager_adds_a_presence_as_a_persons_entry(client, team, bitbank, who):
    client.force_login(team[who])

    response = client.post(PAGE + "presences/", presence_data())

    added = Presence.objects.get(exchange=bitbank, jurisdiction__code="JP")
    assert response.status_code == 302
    assert (added.licence_status, added.licence_reference, added.since, added.origin, added.source) == (
        "licensed",
        "関東財務局長 第00004号",
        datetime.date(2017, 9, 29),
        FactOrigin.PERSON,
        "FSA register",
    )


def test_the_owner_changes_a_presence_and_a_duplicate_jurisdiction_is_refused(client, team, bitbank):
    client.force_login(team["japan"])
    singapore = bitbank.presences.get()
    client.post(PAGE + "presences/", presence_data())
    before = snapshot(bitbank)

    duplicate = client.post(f"{PAGE}presences/{singapore.pk}/", presence_data())
    changed = client.post(
        f"{PAGE}presences/{singapore.pk}/", {**presence_data(), "jurisdiction": jurisdiction("SG").pk}
    )

    assert duplicate.status_code == 400
    assert duplicate.context["presence_form"].non_field_errors() == [
        "This exchange already has a presence in this jurisdiction."
    ]
    assert changed.status_code == 302
    singapore.refresh_from_db()
    assert (singapore.licence_status, singapore.origin) == ("licensed", FactOrigin.PERSON)
    assert len(snapshot(bitbank)["presences"]) == len(before["presences"])


@pytest.mark.parametrize("who", ["japan", "manager"])
def test_the_owner_or_a_manager_adds_a_contact(client, team, bitbank, who):
    client.force_login(team[who])

    response = client.post(PAGE + "contacts/", contact_data())
    again = client.post(PAGE + "contacts/", contact_data())

    assert response.status_code == 302
    assert list(bitbank.contacts.values_list("full_name", "role", "email")) == [
        ("Aiko Mori", "head_of_infra", "aiko@bitbank.cc")
    ]
    assert again.status_code == 400
    assert again.context["contact_form"].non_field_errors() == ["This exchange already has a contact with this email."]


def newest_figure(exchange) -> MarketFigure:
    reading = MarketDataImport.objects.create(
        source=MarketSource.COINGECKO, as_of=datetime.date(2025, 8, 31), content_sha256="abc"
    )
    return MarketFigure.objects.create(
        market_import=reading,
        source=MarketSource.COINGECKO,
        as_of=datetime.date(2025, 8, 31),
        source_exchange_id="bitbank",
        source_name="Bitbank",
        exchange=exchange,
        match_status=MatchStatus.MATCHED,
        volume_24h_btc=Decimal("1234.5000"),
        volume_24h_btc_normalized=Decimal("1100.0000"),
        trust_score_rank=42,
    )


def test_a_size_set_by_hand_shows_beside_the_tier_in_effect_and_the_newest_market_figure(client, team, bitbank):
    # given a market figure for the exchange
    newest_figure(bitbank)
    client.force_login(team["japan"])

    # when its owner sets the size by hand
    response = client.post(PAGE + "size/", size_data())
    page = client.get(PAGE)

    # then the page shows the tier in effect, the hand-set one with its reason, and the figure
    assert response.status_code == 302
    assert response["Location"] == f"{PAGE}#size-panel"
    html = page.content.decode()
    assert '<strong data-testid="size-in-effect">Unknown</strong>' in html
    assert (
        "Set by hand: <strong>Large</strong>, because 24h volume 52,000 BTC, CoinGecko, 2025-08-31\n"
        f'      <small class="muted">(by Kenji Sato on {timezone.localdate():%-d %b %Y})</small>'
    ) in html
    assert (
        "CoinGecko, 31 Aug 2025:\n      24h volume <strong>1,235 BTC</strong>, normalized 1,100 BTC · trust rank #42"
    ) in html
    assert "Data provided by <a" in html
    assert ">CoinGecko</a>, as of 31 Aug 2025." in html
    assert "The tier set by hand wins over the market figure." in html


def test_a_size_set_by_hand_without_a_reason_is_refused_on_the_page(client, team, bitbank):
    client.force_login(team["manager"])
    before = snapshot(bitbank)

    response = client.post(PAGE + "size/", {"size_tier_by_hand": "large", "size_source": ""})

    assert response.status_code == 400
    assert list(response.context["size_form"].errors) == ["size_source"]
    assert response.context["open_form"] == "size"
    assert snapshot(bitbank) == before


def test_research_needed_opens_the_allocation_form(client, team):
    # given a scored exchange nobody has recorded an allocation for
    exchange = ExchangeFactory(name="Zaif", slug="zaif", headquarters=jurisdiction("JP"), owner=team["japan"])
    scores_rescore(as_of=timezone.now())
    client.force_login(team["japan"])

    page = client.get("/exchanges/zaif/")
    opened = client.get("/exchanges/zaif/?form=allocation")

    # then the factor's sentence is a link that opens the form
    html = page.content.decode()
    assert exchange.score.is_research_needed is True
    assert (
        '<a href="?form=allocation#allocation-form" class="button" data-testid="research-it">'
        "Its cloud allocation is unknown: research needed</a>"
    ) in html
    assert '<details id="allocation-form">' in html
    assert '<details id="allocation-form" open>' in opened.content.decode()


def test_the_family_links_only_the_venues_the_viewer_may_see(client, team):
    coinbase = ExchangeFactory(name="Coinbase Advanced", slug="coinbase", headquarters=jurisdiction("JP"))
    ExchangeFactory(name="Coinbase Exchange", slug="coinbaseexchange", family=coinbase, headquarters=jurisdiction("JP"))
    ExchangeFactory(
        name="Coinbase International", slug="coinbaseinternational", family=coinbase, headquarters=jurisdiction("BM")
    )
    client.force_login(team["japan"])

    html = client.get("/exchanges/coinbaseexchange/").content.decode()

    assert 'Primary account:\n      <a href="/exchanges/coinbase/">Coinbase Advanced</a>' in html
    assert "<li><strong>Coinbase Exchange</strong> (this page)</li>" in html
    assert '<li>Coinbase International <small class="muted">(not in your accounts)</small></li>' in html
    assert 'href="/exchanges/coinbaseinternational/"' not in html


def test_a_manager_merges_a_duplicate_and_the_page_says_so(client, team, bitbank):
    duplicate = ExchangeFactory(name="bitbank, inc.", slug="bitbank-inc", website="https://bitbank-inc.example")
    Contact.objects.create(exchange=duplicate, full_name="Ren Ito", email="ren@bitbank.cc")
    client.force_login(team["manager"])

    response = client.post(PAGE + "merge/", {"source": "bitbank-inc", "confirm": "on"})
    page = client.get(PAGE)
    old_address = client.get("/exchanges/bitbank-inc/")

    assert response.status_code == 302
    assert not Exchange.objects.filter(slug="bitbank-inc").exists()
    assert list(bitbank.contacts.values_list("full_name", flat=True)) == ["Ren Ito"]
    merge = ExchangeMerge.objects.get()
    assert f"Merged from bitbank, inc. on {merge.merged_at:%-d %b %Y} by Mei Lin." in page.content.decode()
    assert (old_address.status_code, old_address["Location"]) == (302, "/exchanges/bitbank/")


@pytest.mark.parametrize("who", ["japan", "singapore"])
def test_a_rep_may_not_merge_even_the_account_they_own_and_nothing_changes(client, team, bitbank, who):
    ExchangeFactory(name="bitbank, inc.", slug="bitbank-inc", owner=team["japan"])
    client.force_login(team[who])
    before = snapshot(bitbank)

    page = client.get(PAGE)
    response = client.post(PAGE + "merge/", {"source": "bitbank-inc", "confirm": "on"})

    assert "merge_form" not in page.context
    assert response.status_code == 403
    assert snapshot(bitbank) == before


def test_merging_an_account_into_itself_is_refused_on_the_page(client, team, bitbank):
    client.force_login(team["manager"])
    before = snapshot(bitbank)

    response = client.post(PAGE + "merge/", {"source": "bitbank", "confirm": "on"})

    assert response.status_code == 400
    assert response.context["merge_form"].errors == {"source": ["Bitbank cannot be merged into itself."]}
    assert snapshot(bitbank) == before


def test_the_exchange_page_with_its_forms_runs_as_many_queries_with_two_exchanges_as_with_seven(client, team):
    # given the manager's view (every research form and the merge form), measured
    world = build_world(team, 2)
    client.force_login(team["manager"])
    small = count_queries(client, "/exchanges/tokyo-0/")

    # when five more exchanges arrive with their evidence
    add_exchanges(team, world["event"], start=2, count=5)
    scores_rescore(as_of=timezone.now())

    # then the page runs exactly the same number of queries
    assert count_queries(client, "/exchanges/tokyo-0/") == small
