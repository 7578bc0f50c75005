"""Recording signals and regulations: validation, and which exchanges get rescored."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from crm.choices import LicenceStatus
from crm.models import EvidenceChange
from intel.choices import SignalKind
from intel.models import Regulation, Signal
from intel.services import regulation_save, signal_record, signal_update
from tests.crm.factories import AllocationFactory, ExchangeFactory, PresenceFactory, jurisdiction, vendor

pytestmark = pytest.mark.django_db
DEC_18 = datetime.datetime(2022, 12, 18, tzinfo=datetime.UTC)


def test_an_outage_without_a_vendor_is_refused_naming_the_field_and_nothing_is_saved():
    okx = ExchangeFactory(name="OKX", slug="okx")

    with pytest.raises(ValidationError) as refused:
        signal_record(
            kind=SignalKind.OUTAGE, title="Hong Kong zone C", occurred_at=DEC_18, exchanges=[okx], source_note="News"
        )

    assert refused.value.message_dict == {
        "vendor": ["A signal of kind 'outage at a cloud vendor' must name the cloud vendor."]
    }
    assert Signal.objects.count() == 0
    assert EvidenceChange.objects.count() == 0


def test_a_meeting_without_an_exchange_is_refused():
    with pytest.raises(ValidationError) as refused:
        signal_record(kind=SignalKind.MEETING, title="Coffee at WebX", occurred_at=DEC_18)

    assert refused.value.message_dict == {"exchanges": ["A signal of kind 'meeting' must name at least one exchange."]}
    assert Signal.objects.count() == 0


def test_an_outage_rescores_every_exchange_on_the_vendor_and_those_the_source_names():
    okx = ExchangeFactory(name="OKX", slug="okx")
    gate = ExchangeFactory(name="Gate", slug="gate")
    on_alibaba = ExchangeFactory(name="Mid", slug="mid")
    on_aws = ExchangeFactory(name="Bybit", slug="bybit")
    AllocationFactory(exchange=okx, vendor=vendor("alibaba-cloud"), share_percent=Decimal("60"))
    AllocationFactory(exchange=on_alibaba, vendor=vendor("alibaba-cloud"), share_percent=Decimal("20"))
    AllocationFactory(exchange=on_aws, vendor=vendor("aws"), share_percent=Decimal("100"))
    EvidenceChange.objects.all().delete()

    signal = signal_record(
        kind=SignalKind.OUTAGE,
        title="Alibaba Cloud Hong Kong zone C hardware failure",
        occurred_at=DEC_18,
        vendor=vendor("alibaba-cloud"),
        vendor_region="Hong Kong zone C",
        exchanges=[okx, gate],
        severity=5,
        source_note="News reports",
    )

    assert sorted(EvidenceChange.objects.values_list("exchange__slug", "cause", "reference")) == [
        ("gate", "signal", f"signal:{signal.pk}"),
        ("mid", "signal", f"signal:{signal.pk}"),
        ("okx", "signal", f"signal:{signal.pk}"),
    ]


def test_a_regulation_signal_rescores_the_exchanges_present_in_its_jurisdiction():
    present = PresenceFactory(exchange=ExchangeFactory(slug="bitget"), jurisdiction=jurisdiction("SG"))
    PresenceFactory(exchange=ExchangeFactory(slug="bitbank"), jurisdiction=jurisdiction("JP"))
    EvidenceChange.objects.all().delete()

    signal_record(
        kind=SignalKind.REGULATION,
        title="DTSP regime in force",
        occurred_at=datetime.datetime(2025, 6, 30, tzinfo=datetime.UTC),
        jurisdiction=jurisdiction("SG"),
        source_note="MAS",
    )

    assert list(EvidenceChange.objects.values_list("exchange_id", flat=True)) == [present.exchange_id]


def test_a_regulation_with_an_unknown_licence_status_is_refused():
    regulation = Regulation(
        jurisdiction=jurisdiction("SG"),
        name="DTSP regime",
        effective_on=datetime.date(2025, 6, 30),
        pressured_statuses=["unlicensed", "shady"],
    )

    with pytest.raises(ValidationError) as refused:
        regulation_save(regulation=regulation)

    assert refused.value.message_dict == {
        "pressured_statuses": [
            "Unknown licence status 'shady'; use some of: licensed, registered, pending, unlicensed, exiting, "
            "banned, unknown."
        ]
    }
    assert Regulation.objects.count() == 0


def test_saving_a_regulation_rescores_the_exchanges_present_there():
    present = PresenceFactory(
        exchange=ExchangeFactory(slug="bydfi"), jurisdiction=jurisdiction("SG"), licence_status=LicenceStatus.PENDING
    )
    EvidenceChange.objects.all().delete()

    regulation = regulation_save(
        regulation=Regulation(
            jurisdiction=jurisdiction("SG"),
            name="DTSP regime",
            effective_on=datetime.date(2025, 6, 30),
            pressured_statuses=["unlicensed", "pending"],
        )
    )

    assert list(EvidenceChange.objects.values_list("exchange_id", "reference")) == [
        (present.exchange_id, f"regulation:{regulation.pk}")
    ]


def test_moving_a_regulation_to_another_jurisdiction_rescores_the_exchanges_of_both_and_deleting_it_too():
    from intel.services import regulation_delete, regulation_update

    PresenceFactory(exchange=ExchangeFactory(slug="bydfi"), jurisdiction=jurisdiction("SG"))
    in_japan = PresenceFactory(exchange=ExchangeFactory(slug="zaif"), jurisdiction=jurisdiction("JP"))
    PresenceFactory(exchange=ExchangeFactory(slug="elsewhere"), jurisdiction=jurisdiction("US"))
    regulation = regulation_save(
        regulation=Regulation(
            jurisdiction=jurisdiction("SG"),
            name="DTSP regime",
            effective_on=datetime.date(2025, 6, 30),
            pressured_statuses=["unlicensed", "pending"],
        )
    )
    EvidenceChange.objects.all().delete()

    # when it is moved to Japan, the Singapore exchange it no longer reaches is rescored too
    regulation_update(regulation=regulation, changes={"jurisdiction": jurisdiction("JP")})
    assert sorted(EvidenceChange.objects.values_list("exchange__slug", "reference")) == [
        ("bydfi", f"regulation:{regulation.pk}"),
        ("zaif", f"regulation:{regulation.pk}"),
    ]
    EvidenceChange.objects.all().delete()

    # and deleting it rescores the Japanese exchange it reached
    reference = f"regulation:{regulation.pk}"
    regulation_delete(regulation=regulation)
    assert list(EvidenceChange.objects.values_list("exchange_id", "reference")) == [(in_japan.exchange_id, reference)]


def outage_in_tokyo() -> tuple[Signal, dict]:
    """An AWS outage in Tokyo; exchanges on AWS Tokyo, AWS Singapore, Alibaba Cloud Hong Kong."""
    on = {slug: ExchangeFactory(name=slug.title(), slug=slug) for slug in ("tokyoex", "bybit", "okx", "elsewhere")}
    AllocationFactory(exchange=on["tokyoex"], vendor=vendor("aws"), share_percent=Decimal("100"), region="Tokyo")
    AllocationFactory(exchange=on["bybit"], vendor=vendor("aws"), share_percent=Decimal("100"), region="apse1-az2")
    AllocationFactory(
        exchange=on["okx"], vendor=vendor("alibaba-cloud"), share_percent=Decimal("60"), region="Hong Kong zone C"
    )
    AllocationFactory(exchange=on["elsewhere"], vendor=vendor("huawei-cloud"), share_percent=Decimal("100"))
    signal = signal_record(
        kind=SignalKind.OUTAGE,
        title="Power failure in one zone",
        occurred_at=DEC_18,
        vendor=vendor("aws"),
        vendor_region="apne1-az4",
        source_note="News reports",
    )
    EvidenceChange.objects.all().delete()
    return signal, on


def rescored() -> list[str]:
    return sorted(EvidenceChange.objects.values_list("exchange__slug", flat=True))


def test_an_outage_reaches_the_exchanges_in_its_region_only():
    signal, _on = outage_in_tokyo()

    assert signal.vendor_region_code == "ap-northeast-1"
    signal_update(signal=signal, changes={"severity": 4})
    assert rescored() == ["tokyoex"]


def test_moving_an_outage_to_another_vendor_rescores_the_exchanges_of_both():
    signal, _on = outage_in_tokyo()

    signal_update(signal=signal, changes={"vendor": vendor("alibaba-cloud"), "vendor_region": "Hong Kong zone C"})

    assert rescored() == ["okx", "tokyoex"]
    signal.refresh_from_db()
    assert (signal.vendor.slug, signal.vendor_region, signal.vendor_region_code) == (
        "alibaba-cloud",
        "Hong Kong zone C",
        "cn-hongkong",
    )


def test_moving_an_outage_to_another_region_rescores_the_exchanges_of_both_regions():
    signal, _on = outage_in_tokyo()

    signal_update(signal=signal, changes={"vendor_region": "Singapore"})

    assert rescored() == ["bybit", "tokyoex"]
    assert Signal.objects.get().vendor_region_code == "ap-southeast-1"


def test_a_region_code_that_is_not_the_vendor_s_is_refused_naming_the_field_and_nothing_changes():
    signal, _on = outage_in_tokyo()

    with pytest.raises(ValidationError) as refused:
        signal_update(signal=signal, changes={"vendor_region_code": "cn-hongkong"})

    assert list(refused.value.message_dict) == ["vendor_region_code"]
    assert refused.value.message_dict["vendor_region_code"][0].startswith(
        "'cn-hongkong' is not a region of vendor 'aws'; use one of: "
    )
    assert Signal.objects.values_list("vendor_region", "vendor_region_code").get() == ("apne1-az4", "ap-northeast-1")
    assert rescored() == []
