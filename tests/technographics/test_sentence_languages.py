"""The footprint's disagreements and front doors are kept as message ids and parameters and read in the
reader's language (the vendor and city by their native names), on the exchange page and the footprint API;
a run recorded before, as plain English, reads as stored."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client

from crm.choices import EvidenceSource, RepRole, Workload
from crm.sentences import stored_sentence
from intel.technographics.choices import EndpointRole
from intel.technographics.models import CloudDetection
from intel.technographics.resolver import StaticResolver
from intel.technographics.services import exchange_clouds_detect
from tests.crm.factories import AllocationFactory, ExchangeFactory, RepFactory, vendor
from tests.technographics.factories import EndpointFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime.datetime(2025, 9, 1, 3, 0, tzinfo=datetime.UTC)
LANGUAGES = ("en", "ja", "zh-hans")


@pytest.fixture
def kappa():
    exchange = ExchangeFactory(name="Kappa", slug="kappa", website="https://www.kappa.example", ccxt_id=None)
    EndpointFactory(exchange=exchange, host="api.kappa.example", role=EndpointRole.API)
    return exchange


def detect(exchange, answers, tables):
    return exchange_clouds_detect(exchange_id=exchange.pk, resolver=StaticResolver(answers), tables=tables, now=MONDAY)


def in_three(item) -> dict[str, str]:
    return {language: stored_sentence(item, language) for language in LANGUAGES}


def engine_on(exchange, slug, source):
    AllocationFactory(
        exchange=exchange,
        vendor=vendor(slug),
        workload=Workload.TRADING_ENGINE,
        share_percent=Decimal("100"),
        evidence_source=source,
    )


def test_a_disagreement_with_a_rep_reads_in_three_languages_with_native_names(kappa, tables):
    engine_on(kappa, "alibaba-cloud", EvidenceSource.REP_CONFIRMED)
    [disagreement] = detect(kappa, {"api.kappa.example": ["13.112.0.9"]}, tables).detection.disagreements
    assert in_three(disagreement) == {
        "en": "A rep says Alibaba Cloud (confirmed by the account); "
        "the API host api.kappa.example resolves to AWS Tokyo (ap-northeast-1).",
        "ja": "担当者によればAlibaba Cloud（顧客が確認済み）だが、"
        "APIホスト api.kappa.example はAWS 東京（ap-northeast-1）に解決される。",
        "zh-hans": "销售代表称是阿里云（客户已确认）；但API 主机 api.kappa.example 解析到AWS 东京（ap-northeast-1）。",
    }
    # the stored item keeps its English beside the message id, for readers of the JSON
    assert disagreement["sentence"] == in_three(disagreement)["en"]


def test_a_disagreement_naming_a_chinese_cloud_as_the_place(kappa, tables):
    engine_on(kappa, "aws", EvidenceSource.SELF_PUBLISHED)
    [disagreement] = detect(kappa, {"api.kappa.example": ["47.74.0.9"]}, tables).detection.disagreements
    assert in_three(disagreement) == {
        "en": "The exchange's own documents say AWS; the API host api.kappa.example resolves to Alibaba Cloud.",
        "ja": "取引所自身の資料ではAWSだが、APIホスト api.kappa.example はAlibaba Cloudに解決される。",
        "zh-hans": "交易所自己的文件称是AWS；但API 主机 api.kappa.example 解析到阿里云。",
    }


def test_a_front_door_reads_in_three_languages(kappa, tables):
    outcome = detect(kappa, {"api.kappa.example": ["104.16.0.1"], "www.kappa.example": ["43.129.0.1"]}, tables)
    [front_door] = outcome.detection.front_doors
    assert in_three(front_door) == {
        "en": "api.kappa.example: front door on Cloudflare, origin unknown",
        "ja": "api.kappa.example：Cloudflareのフロントドア経由、オリジン不明",
        "zh-hans": "api.kappa.example：经由Cloudflare前端入口，源站未知",
    }


def test_the_page_and_the_api_say_them_in_the_readers_language(kappa, tables):
    """The page in Chinese, the API in Japanese."""
    engine_on(kappa, "alibaba-cloud", EvidenceSource.REP_CONFIRMED)
    EndpointFactory(exchange=kappa, host="ws.kappa.example", role=EndpointRole.WEBSOCKET)
    detect(kappa, {"api.kappa.example": ["13.112.0.9"], "ws.kappa.example": ["104.16.0.1"]}, tables)
    client = Client()
    client.force_login(RepFactory(user__username="manager", role=RepRole.MANAGER).user)

    page = client.get("/exchanges/kappa/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    footprint = client.get("/api/v1/technographics/exchanges/kappa/footprint/", HTTP_ACCEPT_LANGUAGE="ja").json()

    assert (
        '<p class="warning" role="note">销售代表称是阿里云（客户已确认）；'
        "但API 主机 api.kappa.example 解析到AWS 东京（ap-northeast-1）。</p>"
    ) in page
    assert '<p class="muted">ws.kappa.example：经由Cloudflare前端入口，源站未知</p>' in page
    # the allocations table names the vendor as a Chinese reader knows it
    assert "<td>阿里云</td>" in page
    # and the hosts table says where each address sits
    assert "<code>13.112.0.9</code></td><td>AWS 东京（ap-northeast-1）</td>" in page
    assert "<code>104.16.0.1</code></td><td>经由Cloudflare前端入口，源站未知</td>" in page
    assert footprint["latest"]["disagreements"] == [
        "担当者によればAlibaba Cloud（顧客が確認済み）だが、"
        "APIホスト api.kappa.example はAWS 東京（ap-northeast-1）に解決される。"
    ]
    assert footprint["latest"]["front_doors"] == ["ws.kappa.example：Cloudflareのフロントドア経由、オリジン不明"]
    assert [(h["host"], [a["description"] for a in h["addresses"]]) for h in footprint["hosts"]] == [
        ("api.kappa.example", ["AWS 東京（ap-northeast-1）"]),
        ("www.kappa.example", []),
        ("ws.kappa.example", ["Cloudflareのフロントドア経由、オリジン不明"]),
    ]


def test_a_run_recorded_as_plain_english_reads_as_stored(kappa):
    CloudDetection.objects.create(
        exchange=kappa,
        checked_at=MONDAY,
        summary="API on AWS 100%",
        disagreements=["A rep says Alibaba Cloud; the API host api.kappa.example resolves to AWS."],
        front_doors=["ws.kappa.example: front door on Cloudflare, origin unknown"],
    )
    client = Client()
    client.force_login(RepFactory(user__username="manager", role=RepRole.MANAGER).user)
    footprint = client.get("/api/v1/technographics/exchanges/kappa/footprint/", HTTP_ACCEPT_LANGUAGE="ja").json()
    assert (footprint["latest"]["disagreements"], footprint["latest"]["front_doors"]) == (
        ["A rep says Alibaba Cloud; the API host api.kappa.example resolves to AWS."],
        ["ws.kappa.example: front door on Cloudflare, origin unknown"],
    )
