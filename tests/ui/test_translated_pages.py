"""What a Japanese or Chinese reader sees: headings, choice labels, form labels, messages, refusals and
export headers in their language, with the facts (names, figures, codes) as they are."""

import re

import pytest

from crm.models import Allocation, CloudVendor, Contact

pytestmark = pytest.mark.django_db


def test_the_exchange_page_in_japanese(manager_client, world):
    response = manager_client.get("/exchanges/tokyo-0/", HTTP_ACCEPT_LANGUAGE="ja")

    body = response.content.decode()
    assert (response.status_code, response["Content-Language"]) == (200, "ja")
    assert '<h2 id="allocation-heading">クラウド配分</h2>' in body
    # a choice label, a form label with its translated options, a table header
    assert "<td>全ワークロード</td>" in body
    assert '<label for="id_workload">ワークロード</label>' in body
    assert '<option value="trading_engine">取引エンジン</option>' in body
    assert '<th scope="col">法域</th><th scope="col">ライセンス</th>' in body
    # dates as Japanese write them; the timeline's labels in whole phrases
    assert "<td>2025年8月1日</td>" in body
    assert "電話（担当: Kenji Sato、相手: Person 0）" in body
    assert re.search(r"モデル v1、算出 \d{1,2}月\d{1,2}日 \d\d:\d\d UTC。", body)
    # the facts stay as they are
    assert "<h1>Tokyo Exchange 0</h1>" in body and "Alibaba Cloud" in body


def test_the_exchange_page_in_simplified_chinese(manager_client, world):
    response = manager_client.get("/exchanges/tokyo-0/", HTTP_ACCEPT_LANGUAGE="zh-CN")

    body = response.content.decode()
    assert (response.status_code, response["Content-Language"]) == (200, "zh-hans")
    assert '<h2 id="allocation-heading">云分配</h2>' in body
    assert "<td>全部工作负载</td>" in body
    assert '<label for="id_licence_status">牌照状态</label>' in body


def test_a_saved_contact_is_confirmed_in_the_readers_language(manager_client, world):
    response = manager_client.post(
        "/exchanges/tokyo-0/contacts/",
        {"full_name": "Taro Yamada", "native_name": "山田 太郎", "role": "engineer"},
        HTTP_ACCEPT_LANGUAGE="ja",
        follow=True,
    )

    assert Contact.objects.filter(exchange__slug="tokyo-0", native_name="山田 太郎").count() == 1
    assert "Taro Yamada を Tokyo Exchange 0 に追加しました。" in response.content.decode()


def test_a_refusal_is_told_in_the_readers_language_and_changes_nothing(japan_client, world):
    before = Contact.objects.count()

    response = japan_client.post(
        "/exchanges/tokyo-0/contacts/", {"full_name": "Taro Yamada", "role": "engineer"}, HTTP_ACCEPT_LANGUAGE="zh-CN"
    )

    assert response.status_code == 403
    assert (
        "你只能修改自己负责的客户；Tokyo Exchange 0 不归你负责（经理可以修改任何客户）。" in response.content.decode()
    )
    assert Contact.objects.count() == before


@pytest.mark.parametrize(
    ("language", "header"),
    [
        ("en", "Exchange,Slug,Grade,Score,Reason,Headquarters,Size,Stage,Owner,Our share (%),Website"),
        ("ja", "取引所,スラッグ,グレード,スコア,理由,本社,規模,ステージ,担当者,自社シェア（%）,ウェブサイト"),
        ("zh-CN", "交易所,Slug,等级,评分,原因,总部,规模,阶段,负责人,我方份额（%）,网站"),
    ],
)
def test_the_leads_export_has_its_header_in_the_readers_language(japan_client, world, language, header):
    response = japan_client.get("/leads/export.csv", HTTP_ACCEPT_LANGUAGE=language)

    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == header
    assert lines[1].startswith("Tokyo Exchange")


def test_a_refused_allocation_says_why_in_the_readers_language_and_saves_nothing(manager_client, world):
    before = Allocation.objects.filter(exchange__slug="tokyo-0").count()

    response = manager_client.post(
        "/exchanges/tokyo-0/allocations/",
        {
            "vendor": CloudVendor.objects.get(slug="aws").pk,
            "workload": "all",
            "share_percent": "50",
            "evidence_source": "news",
            "source_url": "https://news.example.com/tokyo-0",
            "observed_on": "2025-08-01",
        },
        HTTP_ACCEPT_LANGUAGE="ja",
    )

    assert response.status_code == 400
    assert (
        "Tokyo Exchange 0: ワークロード「全ワークロード」のシェアの合計が 130% になり、100% を超えます。"
        "先に他のベンダーのシェアを下げてください。"
    ) in response.content.decode()
    assert Allocation.objects.filter(exchange__slug="tokyo-0").count() == before
