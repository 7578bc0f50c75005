"""Our share and the rivals' shares: the one owner (crm.shares) and every place that shows them."""

import datetime
from decimal import Decimal

import pytest

from crm.shares import NO_SHARES, AllocationFact, shares_in_view
from leads.models import Score
from leads.salesforce.sources import account_values
from leads.sentences import factor_sentence
from leads.services import scores_rescore
from tests.crm.factories import AllocationFactory, ExchangeFactory, UserFactory, vendor

HOME, TENCENT, AWS = 1, 2, 3


def test_the_all_workloads_figure_is_in_view_when_known():
    view = shares_in_view(
        [
            AllocationFact(10, TENCENT, "Tencent Cloud", "trading_engine", 90),
            AllocationFact(11, AWS, "AWS", "all", 40),
            AllocationFact(12, HOME, "Alibaba Cloud", "all", 50),
        ],
        home_vendor_id=HOME,
    )

    assert view.workload == "all"
    assert (view.our_share, [a.id for a in view.rivals], view.rivals_total) == (50, [11], 40)


def test_without_an_all_workloads_figure_the_most_covered_workload_is_in_view():
    # given our vendor and Tencent on the trading engine (90% known), Tencent alone on wallets (70%)
    allocations = [
        AllocationFact(10, HOME, "Alibaba Cloud", "trading_engine", 60),
        AllocationFact(11, TENCENT, "Tencent Cloud", "trading_engine", 30),
        AllocationFact(12, TENCENT, "Tencent Cloud", "wallets", 70),
    ]

    view = shares_in_view(allocations, home_vendor_id=HOME)

    # then the trading engine is in view: our 60% and Tencent's 30%, not its 70% of the wallets
    assert (view.workload, view.our_share) == ("trading_engine", 60)
    assert view.largest_rival == AllocationFact(11, TENCENT, "Tencent Cloud", "trading_engine", 30)


def test_rivals_are_largest_first_ties_by_name_and_a_zero_share_is_no_rival():
    view = shares_in_view(
        [
            AllocationFact(10, TENCENT, "Tencent Cloud", "all", 30),
            AllocationFact(11, AWS, "AWS", "all", 30),
            AllocationFact(12, 4, "Huawei Cloud", "all", 0),
        ],
        home_vendor_id=None,
    )

    assert ([a.vendor_name for a in view.rivals], view.ours, view.our_share) == (["AWS", "Tencent Cloud"], None, None)


def test_no_allocation_means_nothing_in_view():
    assert shares_in_view([], home_vendor_id=HOME) is NO_SHARES
    assert (NO_SHARES.workload, NO_SHARES.largest_rival, NO_SHARES.rivals_total) == ("", None, 0)


@pytest.fixture
def split_exchange(db, settings):
    """Alibaba Cloud is ours; the exchange's trading engine is 60% ours and 30% Tencent Cloud's, and its
    wallets are 70% Tencent Cloud's."""
    settings.CRM_HOME_VENDOR = "alibaba-cloud"
    exchange = ExchangeFactory(name="Splitex", slug="splitex", size_tier_by_hand="mid")
    for vendor_slug, workload, share in (
        ("alibaba-cloud", "trading_engine", 60),
        ("tencent-cloud", "trading_engine", 30),
        ("tencent-cloud", "wallets", 70),
    ):
        AllocationFactory(exchange=exchange, vendor=vendor(vendor_slug), workload=workload, share_percent=share)
    scores_rescore(exchange_ids=[exchange.pk], as_of=datetime.datetime(2025, 9, 1, tzinfo=datetime.UTC))
    return exchange


@pytest.fixture
def manager_client(client):
    client.force_login(UserFactory(username="keeper", is_staff=True, is_superuser=True))
    return client


def test_the_score_the_page_the_api_the_salesforce_export_and_the_admin_name_the_same_shares(
    split_exchange, manager_client
):
    # the score speaks of the trading engine: Tencent Cloud's 30%, and our 60%
    factors = Score.objects.get(exchange=split_exchange).factors
    sentences = {f["code"]: factor_sentence(f, "en") for f in factors}
    assert sentences["rival_share"] == "Tencent Cloud holds 30% of its trading engine"
    assert sentences["home_share"] == "Alibaba Cloud (our vendor) holds 60% of its trading engine"

    # the exchange page says the same, naming the workload
    page = manager_client.get("/exchanges/splitex/").content.decode()
    assert "Trading engine: our share <strong>60%</strong>" in page
    assert "largest rival: <strong>Tencent Cloud 30%</strong>" in page

    # the API
    shares = manager_client.get("/api/v1/exchanges/splitex/").json()["shares"]
    assert shares == {
        "workload": "trading_engine",
        "our_share": "60.00",
        "largest_rival": "Tencent Cloud",
        "largest_rival_share": "30.00",
    }

    # the Salesforce account
    account = account_values([split_exchange.pk], today=datetime.date(2025, 9, 1))[split_exchange.pk]
    assert (account["our_share"], account["largest_rival"], account["largest_rival_share"]) == (
        Decimal("60.00"),
        "Tencent Cloud",
        Decimal("30.00"),
    )

    # and the admin
    admin_page = manager_client.get(f"/admin/crm/exchange/{split_exchange.pk}/change/").content.decode()
    assert "Trading engine: our share 60%; largest rival Tencent Cloud 30%" in admin_page
