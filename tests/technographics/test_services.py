"""A detection run: addresses recorded, allocations inferred, stronger evidence kept, moves signalled."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from crm.choices import EvidenceSource, Workload
from crm.models import Allocation, EvidenceChange
from crm.sentences import stored_sentence
from intel.choices import SignalKind
from intel.models import Signal
from intel.technographics.choices import EndpointRole
from intel.technographics.models import CloudDetection, Endpoint, EndpointAddress
from intel.technographics.resolver import StaticResolver
from intel.technographics.services import endpoint_add, endpoints_sync, exchange_clouds_detect
from tests.crm.factories import AllocationFactory, ExchangeFactory, vendor
from tests.technographics.factories import EndpointFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime.datetime(2025, 9, 1, 3, 0, tzinfo=datetime.UTC)
NEXT_MONDAY = datetime.datetime(2025, 9, 8, 3, 0, tzinfo=datetime.UTC)


def english(items: list[dict]) -> list[str]:
    """The stored sentences of a run, as an English reader reads them."""
    return [stored_sentence(item, "en") for item in items]


@pytest.fixture
def exchange():
    """An exchange with a website and one API host (no catalogue entry)."""
    exchange = ExchangeFactory(name="Kappa", slug="kappa", website="https://www.kappa.example", ccxt_id=None)
    EndpointFactory(exchange=exchange, host="api.kappa.example", role=EndpointRole.API)
    return exchange


def detect(exchange, answers, tables, now=MONDAY):
    return exchange_clouds_detect(exchange_id=exchange.pk, resolver=StaticResolver(answers), tables=tables, now=now)


def engine_allocations(exchange):
    return list(
        Allocation.objects.filter(exchange=exchange, workload=Workload.TRADING_ENGINE)
        .order_by("vendor__slug")
        .values_list("vendor__slug", "share_percent", "region", "evidence_source", "confidence", "observed_on")
    )


def test_an_aws_tokyo_api_host_becomes_an_ip_inference_allocation_for_the_trading_engine(exchange, tables):
    # given the API host resolves to AWS Tokyo and the website to an unknown address
    answers = {"api.kappa.example": ["13.112.10.1", "13.112.10.2"], "www.kappa.example": ["192.0.2.10"]}
    # when the exchange is checked
    outcome = detect(exchange, answers, tables)
    # then AWS holds its trading engine by IP inference, with the hosts behind it
    assert engine_allocations(exchange) == [
        ("aws", Decimal("100.00"), "ap-northeast-1", EvidenceSource.IP_INFERENCE, 60, datetime.date(2025, 9, 1))
    ]
    allocation = Allocation.objects.get(exchange=exchange)
    assert allocation.source_note == (
        "IP inference: API host api.kappa.example resolves to AWS Tokyo (ap-northeast-1) (1 of 1 resolved API hosts)"
    )
    detection = outcome.detection
    assert detection.summary == "API on AWS Tokyo (ap-northeast-1) 100%"
    assert (detection.hosts_checked, detection.hosts_failed, detection.api_providers) == (2, 0, ["aws"])
    assert detection.tables_built_on == "2025-08-02"
    addresses = EndpointAddress.objects.filter(endpoint__host="api.kappa.example").order_by("ip")
    assert [(a.ip, a.provider_name, a.region, a.vendor.slug, a.first_seen_at) for a in addresses] == [
        ("13.112.10.1", "AWS", "ap-northeast-1", "aws", MONDAY),
        ("13.112.10.2", "AWS", "ap-northeast-1", "aws", MONDAY),
    ]
    assert list(EvidenceChange.objects.values_list("cause", "reference")) == [
        ("allocation", f"allocation:{allocation.pk}")
    ]


def test_an_alibaba_cloud_api_host_is_found_by_its_autonomous_system(exchange, tables):
    detect(exchange, {"api.kappa.example": ["47.74.1.1"], "www.kappa.example": ["47.74.1.2"]}, tables)
    assert engine_allocations(exchange) == [
        ("alibaba-cloud", Decimal("100.00"), "", EvidenceSource.IP_INFERENCE, 60, datetime.date(2025, 9, 1))
    ]
    assert EndpointAddress.objects.get(ip="47.74.1.1").asn == 45102


def test_a_cloudflare_fronted_api_host_is_a_front_door_and_no_allocation(exchange, tables):
    # given both hosts answer from Cloudflare (IPv4 and IPv6)
    answers = {"api.kappa.example": ["104.16.1.1", "2606:4700::6810:101"], "www.kappa.example": ["104.16.1.2"]}
    outcome = detect(exchange, answers, tables)
    # then nothing is allocated, and the footprint says front door, origin unknown
    assert engine_allocations(exchange) == []
    assert outcome.detection.summary == "behind a front door, origin unknown"
    assert english(outcome.detection.front_doors) == [
        "api.kappa.example: front door on Cloudflare, origin unknown",
        "www.kappa.example: front door on Cloudflare, origin unknown",
    ]
    assert outcome.detection.findings == []
    assert EvidenceChange.objects.count() == 0


def test_an_ipv6_only_api_host_is_attributed(exchange, tables):
    detect(exchange, {"api.kappa.example": ["2406:da14:1::10"], "www.kappa.example": ["192.0.2.1"]}, tables)
    assert engine_allocations(exchange) == [
        ("aws", Decimal("100.00"), "ap-northeast-1", EvidenceSource.IP_INFERENCE, 60, datetime.date(2025, 9, 1))
    ]
    assert EndpointAddress.objects.get(endpoint__host="api.kappa.example").ip_version == 6


def test_an_unresolvable_host_is_a_stored_error_and_the_other_hosts_still_count(exchange, tables):
    # given the website does not resolve
    EndpointFactory(exchange=exchange, host="old-api.kappa.example", role=EndpointRole.API)
    answers = {"api.kappa.example": ["13.112.0.9"], "old-api.kappa.example": "no answer within 3 s (A)"}
    outcome = detect(exchange, answers, tables)
    # then the errors are stored on their hosts and the run still concludes from the rest
    errors = dict(Endpoint.objects.filter(exchange=exchange).values_list("host", "last_error"))
    assert errors == {
        "api.kappa.example": "",
        "old-api.kappa.example": "old-api.kappa.example: no answer within 3 s (A)",
        "www.kappa.example": "www.kappa.example: no such domain (NXDOMAIN)",
    }
    assert outcome.detection.summary == "API on AWS Tokyo (ap-northeast-1) 100%; 2 of 3 hosts failed to resolve"
    assert engine_allocations(exchange)[0][:2] == ("aws", Decimal("100.00"))


def test_when_no_api_host_resolves_the_previous_inference_is_kept(exchange, tables):
    # given last week the API host was on AWS Tokyo
    detect(exchange, {"api.kappa.example": ["13.112.0.9"]}, tables)
    # when this week only the website resolves (to Alibaba Cloud)
    outcome = detect(exchange, {"www.kappa.example": ["47.74.0.3"]}, tables, now=NEXT_MONDAY)
    # then nothing is concluded: the website alone does not replace what the API showed
    assert outcome.detection.summary == "Nothing concluded: 1 of 2 hosts failed to resolve"
    assert outcome.detection.notes == ["No API host resolved: nothing is concluded and the previous inference is kept."]
    assert engine_allocations(exchange)[0][:2] == ("aws", Decimal("100.00"))
    assert (Signal.objects.count(), EvidenceChange.objects.count()) == (0, 1)
    # the last known addresses stay beside the error
    assert list(EndpointAddress.objects.filter(endpoint__host="api.kappa.example").values_list("ip", flat=True)) == [
        "13.112.0.9"
    ]


def test_a_stronger_rep_confirmed_allocation_is_kept_and_the_disagreement_recorded(exchange, tables):
    # given a rep confirmed with the account that Alibaba Cloud runs the trading engine
    confirmed = AllocationFactory(
        exchange=exchange,
        vendor=vendor("alibaba-cloud"),
        workload=Workload.TRADING_ENGINE,
        share_percent=Decimal("100"),
        evidence_source=EvidenceSource.REP_CONFIRMED,
    )
    # when the API host resolves to AWS Tokyo
    outcome = detect(exchange, {"api.kappa.example": ["13.112.0.9"], "www.kappa.example": ["192.0.2.1"]}, tables)
    # then the rep's allocation is untouched, no AWS allocation is added, and the rep is told
    assert engine_allocations(exchange) == [
        ("alibaba-cloud", Decimal("100.00"), "", EvidenceSource.REP_CONFIRMED, 90, datetime.date(2025, 8, 25))
    ]
    confirmed.refresh_from_db()
    assert confirmed.share_percent == Decimal("100.00")
    assert english(outcome.detection.disagreements) == [
        "A rep says Alibaba Cloud (confirmed by the account); "
        "the API host api.kappa.example resolves to AWS Tokyo (ap-northeast-1)."
    ]
    assert outcome.detection.notes == [
        "Kept the stronger evidence for the trading engine: Alibaba Cloud 100% (Confirmed by the account)."
    ]
    assert outcome.allocations_written == 0
    assert EvidenceChange.objects.count() == 0


def test_a_weaker_allocation_of_another_vendor_stays_and_the_inference_takes_what_is_left(exchange, tables):
    AllocationFactory(
        exchange=exchange,
        vendor=vendor("tencent-cloud"),
        workload=Workload.TRADING_ENGINE,
        share_percent=Decimal("30"),
        evidence_source=EvidenceSource.LATENCY_HINT,
    )
    outcome = detect(exchange, {"api.kappa.example": ["13.112.0.9"]}, tables)
    assert [row[:4] for row in engine_allocations(exchange)] == [
        ("aws", Decimal("70.00"), "ap-northeast-1", EvidenceSource.IP_INFERENCE),
        ("tencent-cloud", Decimal("30.00"), "", EvidenceSource.LATENCY_HINT),
    ]
    assert outcome.detection.notes == ["AWS Tokyo (ap-northeast-1) capped at 70%: other allocations hold the rest."]
    assert english(outcome.detection.disagreements) == [
        "A latency hint says Tencent Cloud (unverified); the API host api.kappa.example resolves to AWS Tokyo "
        "(ap-northeast-1)."
    ]


def test_api_hosts_on_two_clouds_share_the_trading_engine_by_host_count(exchange, tables):
    EndpointFactory(exchange=exchange, host="futures.kappa.example", role=EndpointRole.API)
    EndpointFactory(exchange=exchange, host="ws.kappa.example", role=EndpointRole.WEBSOCKET)
    answers = {
        "api.kappa.example": ["13.112.0.9"],
        "futures.kappa.example": ["47.74.0.9"],
        "ws.kappa.example": ["13.113.0.9"],
    }
    detect(exchange, answers, tables)
    assert [row[:3] for row in engine_allocations(exchange)] == [
        ("alibaba-cloud", Decimal("33.33"), ""),
        ("aws", Decimal("66.66"), "ap-northeast-1"),
    ]


def test_the_website_alone_on_a_cloud_is_weaker_evidence(exchange, tables):
    outcome = detect(exchange, {"api.kappa.example": ["104.16.0.1"], "www.kappa.example": ["43.129.0.1"]}, tables)
    assert engine_allocations(exchange) == [
        ("tencent-cloud", Decimal("100.00"), "", EvidenceSource.IP_INFERENCE, 40, datetime.date(2025, 9, 1))
    ]
    assert english(outcome.detection.front_doors) == ["api.kappa.example: front door on Cloudflare, origin unknown"]
    assert outcome.detection.summary == "website on Tencent Cloud 100%"


def test_a_move_from_alibaba_cloud_to_aws_is_a_signal_and_a_rescore(exchange, tables):
    # given last week the API ran on Alibaba Cloud
    detect(exchange, {"api.kappa.example": ["47.74.0.9"]}, tables)
    old = Allocation.objects.get(exchange=exchange)
    EvidenceChange.objects.all().delete()
    # when this week it resolves to AWS Tokyo
    outcome = detect(exchange, {"api.kappa.example": ["13.112.0.9"]}, tables, now=NEXT_MONDAY)
    # then the inference moves, a cloud_change signal names the move, and the score is asked to follow
    assert engine_allocations(exchange) == [
        ("aws", Decimal("100.00"), "ap-northeast-1", EvidenceSource.IP_INFERENCE, 60, datetime.date(2025, 9, 8))
    ]
    signal = Signal.objects.get()
    assert (signal.kind, signal.title, signal.vendor.slug, signal.vendor_region, signal.occurred_at) == (
        SignalKind.CLOUD_CHANGE,
        "Kappa: API moved from Alibaba Cloud to AWS Tokyo (ap-northeast-1)",
        "aws",
        "ap-northeast-1",
        NEXT_MONDAY,
    )
    assert list(signal.exchanges.all()) == [exchange]
    assert outcome.signal == signal and outcome.detection.signal == signal
    new = Allocation.objects.get(exchange=exchange)
    assert list(EvidenceChange.objects.order_by("pk").values_list("exchange_id", "cause", "reference")) == [
        (exchange.pk, "allocation", f"allocation:{old.pk}"),
        (exchange.pk, "allocation", f"allocation:{new.pk}"),
        (exchange.pk, "signal", f"signal:{signal.pk}"),
    ]


def test_a_second_run_with_the_same_answers_changes_no_evidence(exchange, tables):
    answers = {"api.kappa.example": ["13.112.0.9"], "www.kappa.example": ["192.0.2.1"]}
    detect(exchange, answers, tables)
    before = list(Allocation.objects.values_list("pk", "share_percent", "observed_on", "updated_at"))
    changes = EvidenceChange.objects.count()
    outcome = detect(exchange, answers, tables, now=NEXT_MONDAY)
    assert list(Allocation.objects.values_list("pk", "share_percent", "observed_on", "updated_at")) == before
    assert EvidenceChange.objects.count() == changes == 1
    assert (outcome.allocations_written, outcome.signal, Signal.objects.count()) == (0, None, 0)
    assert CloudDetection.objects.filter(exchange=exchange).count() == 2
    assert EndpointAddress.objects.get(ip="13.112.0.9").first_seen_at == MONDAY
    assert EndpointAddress.objects.get(ip="13.112.0.9").last_seen_at == NEXT_MONDAY


def test_catalogue_hosts_are_added_once_from_the_snapshot():
    # given Bybit as the shipped catalogue describes it
    bybit = ExchangeFactory(name="Bybit", slug="bybit", ccxt_id="bybit", website="https://www.bybit.com")
    assert endpoints_sync(exchange=bybit) == 2
    assert endpoints_sync(exchange=bybit) == 0
    assert list(bybit.endpoints.order_by("host").values_list("host", "role", "source")) == [
        ("api.bybit.com", "api", "catalogue"),
        ("www.bybit.com", "website", "catalogue"),
    ]


def test_a_rep_adds_a_host_as_a_url_and_a_bad_host_is_refused_naming_the_exchange(exchange):
    endpoint = endpoint_add(exchange=exchange, host="wss://Stream.Kappa.example/ws/v5", role=EndpointRole.WEBSOCKET)
    assert (endpoint.host, endpoint.source) == ("stream.kappa.example", "rep")
    with pytest.raises(ValidationError) as error:
        endpoint_add(exchange=exchange, host="not a host", role=EndpointRole.API)
    assert error.value.message_dict == {
        "host": ["Kappa: not a host is not a host name (e.g. api.example.com: letters, digits, dots and hyphens)."]
    }
    assert Endpoint.objects.filter(exchange=exchange).count() == 2
