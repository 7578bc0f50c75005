"""Factor sentences over the API in the reader's language: Accept-Language or ?lang=, said in the response."""

import datetime

import pytest
from django.utils import translation

from crm.choices import Workload
from crm.models import Allocation
from leads.models import ScoreChange, WebhookSubscription
from leads.services import scores_rescore
from tests.api.conftest import client_for
from tests.leads.factories import exchange_on, outage

pytestmark = pytest.mark.django_db

AS_OF = datetime.datetime(2025, 9, 1, tzinfo=datetime.UTC)


@pytest.fixture
def hitex(home_vendor_slug):
    """An exchange 60% on a rival (Alibaba Cloud) whose Hong Kong outage named it on the day it was scored."""
    exchange = exchange_on("hitex", {"alibaba-cloud": 60})
    outage("alibaba-cloud", AS_OF, region="Hong Kong", exchanges=[exchange])
    scores_rescore(as_of=AS_OF)
    return exchange


JAPANESE = [
    "中規模の取引所：競争の激しい中間層",
    "Alibaba Cloudがクラウド配分全体の60%を占める",
    "競合が60%以上を占める：リプレース対象",
    "競合がクラウド配分全体の計60%を占める（1社）",
    "2025年9月1日のAlibaba Cloud cn-hongkong (Hong Kong)の障害：取引に支障が出た",
]
CHINESE = [
    "中型交易所：竞争激烈的中间层",
    "阿里云占全部云分配的60%",
    "竞争对手占比达60%或以上：替换目标",
    "竞争对手合计占全部云分配的60%（1家供应商）",
    "2025年9月1日 阿里云 cn-hongkong (Hong Kong)故障：导致其交易中断",
]
ENGLISH = [
    "A mid-size exchange: the contested middle",
    "Alibaba Cloud holds 60% of its allocations",
    "A rival at 60% or more: a displacement target",
    "Rivals hold 60% of its allocations in all (1 vendor)",
    "Alibaba Cloud cn-hongkong (Hong Kong) outage on 2025-09-01 disrupted its trading",
]


def sentences(body) -> list[str]:
    return [factor["sentence"] for factor in body["factors"]]


def test_explain_answers_in_japanese_for_accept_language_ja(cast, hitex):
    response = client_for(cast["manager"]).get("/api/v1/exchanges/hitex/explain/", HTTP_ACCEPT_LANGUAGE="ja")

    assert (response.status_code, response["Content-Language"], response.json()["language"]) == (200, "ja", "ja")
    assert sentences(response.json()) == JAPANESE
    # and the evidence is labelled in Japanese (the workload by its label in the catalogue)
    with translation.override("ja"):
        workload = str(Workload.ALL.label)
    allocation = Allocation.objects.get(exchange=hitex)
    assert response.json()["factors"][1]["evidence"][0] == {
        "reference": f"allocation:{allocation.pk}",
        "kind": "allocation",
        "label": f"Alibaba Cloudが60%を占める（{workload}）",
        "source_url": allocation.source_url,
        "occurred_on": allocation.observed_on.isoformat(),
    }


def test_explain_answers_in_simplified_chinese_for_accept_language_zh_cn(cast, hitex):
    response = client_for(cast["manager"]).get(
        "/api/v1/exchanges/hitex/explain/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9"
    )

    assert (response.status_code, response["Content-Language"], response.json()["language"]) == (
        200,
        "zh-hans",
        "zh-hans",
    )
    assert sentences(response.json()) == CHINESE


def test_the_lang_parameter_wins_over_accept_language_and_english_is_the_default(cast, hitex):
    client = client_for(cast["manager"])

    asked = client.get("/api/v1/exchanges/hitex/explain/", {"lang": "ja"}, HTTP_ACCEPT_LANGUAGE="zh-CN")
    default = client.get("/api/v1/exchanges/hitex/explain/")

    assert (asked.json()["language"], sentences(asked.json())) == ("ja", JAPANESE)
    assert (default["Content-Language"], default.json()["language"], sentences(default.json())) == (
        "en",
        "en",
        ENGLISH,
    )


def test_a_language_the_product_does_not_speak_is_refused_by_name(cast, hitex):
    response = client_for(cast["manager"]).get("/api/v1/exchanges/hitex/explain/", {"lang": "fr"})

    assert (response.status_code, response.json()) == (
        400,
        {"lang": ["'fr' is not one of the languages: en, ja, zh-hans."]},
    )


def test_a_scored_exchange_carries_its_factors_in_the_language_asked(cast, hitex):
    response = client_for(cast["manager"]).get("/api/v1/exchanges/hitex/", HTTP_ACCEPT_LANGUAGE="ja")

    assert (response.status_code, response["Content-Language"]) == (200, "ja")
    assert sentences(response.json()["score"]) == JAPANESE


def test_a_history_row_keeps_codes_and_parameters_and_reads_in_every_language(cast, hitex):
    # given the change the rescore wrote, and a row stored before sentences had message ids
    written = ScoreChange.objects.get(exchange=hitex)
    before = ScoreChange.objects.create(
        exchange=hitex,
        new_score=40,
        new_grade="C",
        model_version=1,
        cause="rescore",
        as_of=AS_OF - datetime.timedelta(days=30),
        created_at=AS_OF - datetime.timedelta(days=30),
        new_factors=[{"code": "size", "points": 20, "sentence": "Mid-size exchange", "references": []}],
    )
    client = client_for(cast["manager"])

    # when the feed is read with factors in each language
    feeds = {
        language: client.get("/api/v1/score-changes/", {"include_factors": "true", "lang": language}).json()
        for language in ("en", "ja", "zh-hans")
    }

    # then the row written with parameters reads in each; the old one keeps its English sentence
    def rows(language):
        return {row["id"]: [f["sentence"] for f in row["new_factors"]] for row in feeds[language]["results"]}

    assert {language: rows(language)[written.pk] for language in feeds} == {
        "en": ENGLISH,
        "ja": JAPANESE,
        "zh-hans": CHINESE,
    }
    assert {language: rows(language)[before.pk] for language in feeds} == {
        "en": ["Mid-size exchange"],
        "ja": ["Mid-size exchange"],
        "zh-hans": ["Mid-size exchange"],
    }


def test_a_webhook_subscription_names_its_language_and_one_the_product_does_not_speak_is_refused(cast, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    client = client_for(cast["manager"])
    hook = {"name": "crm", "target_url": "http://127.0.0.1:9/hook", "events": ["score.grade_changed"]}

    japanese = client.post("/api/v1/webhooks/", {**hook, "language": "ja"}, format="json")
    default = client.post("/api/v1/webhooks/", hook, format="json")
    refused = client.post("/api/v1/webhooks/", {**hook, "language": "fr"}, format="json")

    assert (japanese.status_code, japanese.json()["language"]) == (201, "ja")
    assert (default.status_code, default.json()["language"]) == (201, "en")
    assert (refused.status_code, refused.json()) == (400, {"language": ['"fr" is not a valid choice.']})
    assert sorted(WebhookSubscription.objects.values_list("language", flat=True)) == ["en", "ja"]
