"""Evidence changed over the API asks for a rescore of exactly its exchange, deletes included."""

import pytest

from crm.models import Activity, EvidenceChange
from leads.sentences import factor_sentence
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


def test_deleting_a_logged_meeting_asks_for_its_exchange_to_be_rescored(cast, world):
    activity_id = world["bitflyer"]["activities"]
    EvidenceChange.objects.all().delete()  # the set-up's own writes

    response = client_for(cast["japan"]).delete(f"/api/v1/activities/{activity_id}/")

    assert response.status_code == 204
    assert not Activity.objects.filter(pk=activity_id).exists()
    assert list(EvidenceChange.objects.values_list("exchange__slug", "cause", "reference")) == [
        ("bitflyer", "activity", f"activity:{activity_id}")
    ]


def test_a_rep_may_not_delete_a_meeting_at_an_account_they_do_not_own(cast, world):
    activity_id = world["bybit"]["activities"]
    EvidenceChange.objects.all().delete()  # the set-up's own writes

    response = client_for(cast["japan"]).delete(f"/api/v1/activities/{activity_id}/")

    assert response.status_code == 403
    assert Activity.objects.filter(pk=activity_id).exists()
    assert EvidenceChange.objects.count() == 0


def test_a_size_set_by_hand_over_the_api_needs_a_reason_and_records_who_and_when(world, cast):
    from crm.models import Exchange

    client = client_for(cast["manager"])

    refused = client.patch("/api/v1/exchanges/bitflyer/", {"size_tier_by_hand": "large", "notes": "x"}, format="json")
    unchanged = Exchange.objects.filter(slug="bitflyer").values_list("size_tier_by_hand", "notes").get()
    accepted = client.patch(
        "/api/v1/exchanges/bitflyer/",
        {"size_tier_by_hand": "large", "size_source": "derivatives volume, bitFlyer annual report 2025"},
        format="json",
    )

    assert refused.status_code == 400
    assert list(refused.json()) == ["size_source"]
    assert unchanged == ("unknown", "")  # nothing half-written
    assert accepted.status_code == 200
    bitflyer = Exchange.objects.get(slug="bitflyer")
    assert (bitflyer.size_tier_by_hand, bitflyer.size_source, bitflyer.size_set_by) == (
        "large",
        "derivatives volume, bitFlyer annual report 2025",
        cast["manager"],
    )
    assert EvidenceChange.objects.filter(exchange=bitflyer, cause="size", processed_at__isnull=True).count() == 1


def test_moving_an_outage_from_aws_to_alibaba_rescores_both_vendors_exchanges_at_once(cast, home_vendor_slug):
    import datetime
    from decimal import Decimal

    from crm.models import Allocation
    from intel.models import Signal
    from leads.models import Score
    from leads.services import evidence_changes_process, scores_rescore
    from tests.crm.factories import vendor

    # given an exchange on AWS Tokyo and one on Alibaba Cloud Hong Kong, and an AWS Tokyo outage, scored
    on = {"aws": cast["bitflyer"], "alibaba-cloud": cast["coinhako"]}
    for slug, exchange in on.items():
        Allocation.objects.create(
            exchange=exchange,
            vendor=vendor(slug),
            share_percent=Decimal("100"),
            region={"aws": "ap-northeast-1", "alibaba-cloud": "cn-hongkong"}[slug],
            evidence_source="news",
            observed_on=datetime.date(2025, 1, 1),
        )
    now = datetime.datetime.now(tz=datetime.UTC)
    signal = Signal.objects.create(
        kind="outage",
        title="Zone power failure",
        occurred_at=now - datetime.timedelta(days=1),
        vendor=vendor("aws"),
        vendor_region="Tokyo",
        source_note="News reports",
        recorded_by=cast["manager"],
    )
    scores_rescore()

    day = f"{signal.occurred_at:%Y-%m-%d}"

    def incidents(exchange) -> list[str]:
        return [
            factor_sentence(f, "en") for f in Score.objects.get(exchange=exchange).factors if "incident" in f["code"]
        ]

    assert incidents(on["aws"]) == [
        f"AWS ap-northeast-1 (Tokyo) outage on {day} hit the vendor holding 100% of its allocations in that region"
    ]
    assert incidents(on["alibaba-cloud"]) == []

    # when the manager corrects the outage's vendor and region over the API
    response = client_for(cast["manager"]).patch(
        f"/api/v1/signals/{signal.pk}/", {"vendor": "alibaba-cloud", "vendor_region": "Hong Kong zone C"}, format="json"
    )
    evidence_changes_process()

    # then both exchanges are rescored at once: the AWS one lost its outage factor, the Alibaba one has it
    assert response.status_code == 200
    assert (response.json()["vendor"], response.json()["vendor_region_code"]) == ("alibaba-cloud", "cn-hongkong")
    assert sorted(EvidenceChange.objects.values_list("exchange__slug", flat=True)) == ["bitflyer", "coinhako"]
    assert incidents(on["aws"]) == []
    assert incidents(on["alibaba-cloud"]) == [
        f"Alibaba Cloud cn-hongkong (Hong Kong) outage on {day} hit the vendor holding 100% of its allocations "
        "in that region"
    ]


def test_an_outage_region_code_that_is_not_the_vendor_s_is_a_400_naming_the_field(cast):
    import datetime

    from intel.models import Signal
    from tests.crm.factories import vendor

    signal = Signal.objects.create(
        kind="outage",
        title="Zone power failure",
        occurred_at=datetime.datetime(2025, 4, 15, tzinfo=datetime.UTC),
        vendor=vendor("aws"),
        vendor_region="apne1-az4",
        source_note="News reports",
        recorded_by=cast["manager"],
    )
    EvidenceChange.objects.all().delete()

    response = client_for(cast["manager"]).patch(
        f"/api/v1/signals/{signal.pk}/", {"vendor_region_code": "ap-hongkong"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["vendor_region_code"]
    assert Signal.objects.values_list("vendor_region", "vendor_region_code").get() == ("apne1-az4", "ap-northeast-1")
    assert EvidenceChange.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "stored"),
    [
        ({"region": "Tokyo"}, ("Tokyo", "ap-northeast-1")),
        ({"region": "ap-northeast-1 (apne1-az4)"}, ("ap-northeast-1 (apne1-az4)", "ap-northeast-1")),
        ({"region": "our own racks in Tokyo and Osaka"}, ("our own racks in Tokyo and Osaka", "")),
        ({"region": "the Tokyo zone", "region_code": "apne1"}, ("the Tokyo zone", "ap-northeast-1")),
    ],
)
def test_an_allocation_s_region_is_resolved_from_a_code_or_an_alias_and_an_unknown_text_is_kept(cast, body, stored):
    from crm.models import Allocation

    response = client_for(cast["manager"]).post(
        "/api/v1/allocations/",
        {
            "exchange": "kraken",
            "vendor": "aws",
            "workload": "all",
            "share_percent": "100",
            "evidence_source": "news",
            "source_url": "https://example.com/kraken-on-aws",
            "observed_on": "2025-01-01",
            **body,
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["region_code"] == stored[1]
    assert Allocation.objects.values_list("region", "region_code").get() == stored


def test_an_allocation_region_code_that_is_not_the_vendor_s_is_a_400_naming_the_field(cast):
    from crm.models import Allocation

    response = client_for(cast["manager"]).post(
        "/api/v1/allocations/",
        {
            "exchange": "kraken",
            "vendor": "aws",
            "workload": "all",
            "share_percent": "100",
            "region": "Hong Kong",
            "region_code": "cn-hongkong",
            "evidence_source": "news",
            "source_url": "https://example.com/kraken-on-aws",
            "observed_on": "2025-01-01",
        },
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["region_code"]
    assert "'cn-hongkong' is not a region of vendor 'aws'" in response.json()["region_code"][0]
    assert Allocation.objects.count() == 0


def test_the_preview_of_an_outage_lists_the_exchanges_hit_and_possibly_affected_and_writes_nothing(cast):
    import datetime
    from decimal import Decimal

    from crm.models import Allocation
    from intel.models import Signal
    from tests.crm.factories import vendor

    # given bitFlyer on AWS Tokyo, Bybit on AWS Singapore, Coinhako on AWS in a region nobody knows
    for exchange, region, share in (
        (cast["bitflyer"], "Tokyo", "100"),
        (cast["bybit"], "ap-southeast-1", "100"),
        (cast["coinhako"], "", "40"),
    ):
        Allocation.objects.create(
            exchange=exchange,
            vendor=vendor("aws"),
            share_percent=Decimal(share),
            region=region,
            evidence_source="news",
            observed_on=datetime.date(2025, 1, 1),
        )
    EvidenceChange.objects.all().delete()

    # when the manager previews an AWS outage in apne1-az4
    response = client_for(cast["manager"]).post(
        "/api/v1/signals/preview/",
        {
            "kind": "outage",
            "title": "Power failure in one zone",
            "occurred_at": "2025-04-15T07:40:00Z",
            "vendor": "aws",
            "vendor_region": "apne1-az4",
            "source_note": "News reports",
        },
        format="json",
    )

    # then bitFlyer is hit, Coinhako possibly affected, Bybit untouched, and nothing is recorded
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["region_code"], body["region"]) == ("ap-northeast-1", "ap-northeast-1 (Tokyo)")
    assert body["hit"] == [
        {"exchange": "bitflyer", "name": "bitFlyer", "share_percent": "100.00", "named_by_source": False}
    ]
    assert body["possibly_affected"] == [
        {"exchange": "coinhako", "name": "Coinhako", "share_percent": "40.00", "named_by_source": False}
    ]
    assert sorted(row["exchange"] for row in body["concerned"]) == ["bitflyer", "coinhako"]
    assert body["hidden"] == 0
    assert (Signal.objects.count(), EvidenceChange.objects.count()) == (0, 0)
