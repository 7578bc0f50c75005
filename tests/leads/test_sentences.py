"""leads.sentences renders a factor in the reader's language: words translated, numbers and dates in the
locale's formats, a factor stored before message ids in its English; the CSV export and the pages use it."""

import csv
import datetime
import io

import pytest
from django.test import Client

from crm.choices import RepRole
from crm.shares import AllocationFact
from leads.parameters import ScoringParameters
from leads.scoring import ExchangeFacts, HomeVendor, MarketFigureFact, PresenceFact, RegulationFact, score_exchange
from leads.sentences import factor_sentence, sentence_language
from leads.services import scores_rescore
from tests.crm.factories import RepFactory
from tests.leads.factories import exchange_on, outage

AS_OF = datetime.datetime(2025, 9, 1, tzinfo=datetime.UTC)


def factors_of(facts: ExchangeFacts) -> dict[str, dict]:
    result = score_exchange(facts, parameters=ScoringParameters(), home=HomeVendor(3, "Tencent Cloud"), as_of=AS_OF)
    return {factor["code"]: factor for factor in result.factors_json()}


def in_three(factor: dict) -> tuple[str, str, str]:
    return tuple(factor_sentence(factor, language) for language in ("en", "ja", "zh-hans"))


@pytest.fixture
def relocating() -> dict[str, dict]:
    """A large exchange by its CoinGecko figure, on AWS's trading engine, unlicensed in Japan where a
    regulation forces relocation from before it arrived."""
    return factors_of(
        ExchangeFacts(
            1,
            "Relocex",
            allocations=(AllocationFact(11, 2, "AWS", "trading_engine", 62.5),),
            presences=(PresenceFact(81, "Japan", "unlicensed", True, False, datetime.date(2024, 3, 1)),),
            regulations=(
                RegulationFact(9, 81, "Japan", "PSA amendment", datetime.date(2023, 6, 1), ("unlicensed",), True, ""),
            ),
            market_figure=MarketFigureFact(5, "coingecko", datetime.date(2023, 1, 7), 12345.6, trust_score_rank=21),
        )
    )


def test_the_size_names_the_figure_with_locale_numbers_and_dates(relocating):
    assert in_three(relocating["size"]) == (
        "Large: 24h volume 12,346 BTC, rank 21 on CoinGecko (2023-01-07)",
        "大規模：24時間出来高 12,346 BTC、CoinGeckoで21位（2023年1月7日）",
        # The product's Simplified Chinese format groups thousands (crm/formats).
        "大型：24小时交易量 12,346 BTC，CoinGecko排名第21（2023年1月7日）",
    )


def test_a_share_of_a_workload_translates_the_workload_and_keeps_the_vendor_as_written(relocating):
    assert in_three(relocating["rival_share"]) == (
        "AWS holds 62.5% of its trading engine",
        "AWSが取引エンジンの62.5%を占める",
        "AWS占交易引擎的62.5%",
    )


def test_a_regulation_reads_its_dates_licence_and_outcome_in_each_language(relocating):
    assert in_three(relocating["relocation"]) == (
        "Japan's PSA amendment (in force since 2023-06-01) since it arrived on 2024-03-01 and it has no licence: "
        "it must relocate",
        "日本のPSA amendment（2023年6月1日施行、2024年3月1日の進出以降適用）、ライセンス未取得：移転が必要",
        "日本的PSA amendment（自2023年6月1日起施行，自2024年3月1日进入当地起适用），且无牌照：必须迁移",
    )


def test_a_stored_factor_keeps_its_message_and_parameters_not_its_english(relocating):
    # The English is rendered when shown, like every other language, so a rescore does not write it.
    assert {code: factor["sentence"] for code, factor in relocating.items()} == dict.fromkeys(relocating, "")
    assert relocating["rival_share"]["message"] == "%(vendor)s holds %(share)s of %(workload)s"
    assert relocating["rival_share"]["params"] == {"vendor": "AWS", "share": 62.5, "workload": "trading_engine"}


def test_a_factor_stored_before_message_ids_reads_its_english_sentence_in_every_language():
    old = {"code": "size", "points": 20, "sentence": "Mid-size exchange", "references": []}

    assert in_three(old) == ("Mid-size exchange", "Mid-size exchange", "Mid-size exchange")


def test_a_factor_whose_parameters_no_longer_fit_its_message_falls_back_to_its_sentence():
    broken = {
        "code": "rival_share",
        "points": 12,
        "sentence": "AWS holds 60% of its allocations",
        "message": "%(vendor)s holds %(share)s of %(workload)s",
        "params": {"vendor": "AWS"},
    }

    assert in_three(broken) == ("AWS holds 60% of its allocations",) * 3


@pytest.mark.parametrize(
    ("asked", "language"),
    [("zh-CN", "zh-hans"), ("zh_Hans", "zh-hans"), ("ja-JP", "ja"), ("en-GB", "en"), ("fr", "en"), ("", "en")],
)
def test_a_requested_language_maps_to_one_the_product_speaks(asked, language):
    assert sentence_language(asked) == language


@pytest.mark.django_db
def test_the_leads_csv_export_writes_the_reasons_in_the_readers_language(home_vendor_slug):
    # given a scored exchange, a manager whose browser asks for Japanese, and one whose profile says Chinese
    hitex = exchange_on("hitex", {"alibaba-cloud": 60})
    outage("alibaba-cloud", AS_OF, region="Hong Kong", exchanges=[hitex])
    scores_rescore(as_of=AS_OF)
    browser, profile = Client(), Client()
    browser.force_login(RepFactory(role=RepRole.MANAGER).user)
    profile.force_login(RepFactory(role=RepRole.MANAGER, language="zh-hans").user)

    # when each exports the leads
    japanese = browser.get("/leads/export.csv", HTTP_ACCEPT_LANGUAGE="ja")
    chinese = profile.get("/leads/export.csv", HTTP_ACCEPT_LANGUAGE="ja")

    # then the reason cell is in each reader's language, and the file opens intact (UTF-8 after a BOM)
    def reason(response) -> str:
        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))[1:]
        return next(row for row in rows if row[1] == "hitex")[4]  # slug, reason (the header is the pages' wording)

    assert japanese.content.startswith("\ufeff".encode())
    assert reason(japanese) == "Alibaba Cloudがクラウド配分全体の60%を占める"
    assert reason(chinese) == "阿里云占全部云分配的60%"


def test_the_count_of_rivals_chooses_the_english_plural_and_reads_alike_in_japanese_and_chinese():
    factors = factors_of(
        ExchangeFacts(
            2,
            "Splitex",
            allocations=(
                AllocationFact(21, 2, "AWS", "all", 40.0),
                AllocationFact(22, 4, "Google Cloud", "all", 30.0),
            ),
        )
    )

    assert in_three(factors["displaceable_share"]) == (
        "Rivals hold 70% of its allocations in all (2 vendors)",
        "競合がクラウド配分全体の計70%を占める（2社）",
        "竞争对手合计占全部云分配的70%（2家供应商）",
    )


@pytest.mark.django_db
def test_the_pages_show_the_factors_in_the_readers_language(home_vendor_slug):
    # given a scored exchange and a manager whose profile says Japanese
    hitex = exchange_on("hitex", {"alibaba-cloud": 60})
    outage("alibaba-cloud", AS_OF, region="Hong Kong", exchanges=[hitex])
    scores_rescore(as_of=AS_OF)
    client = Client()
    client.force_login(RepFactory(role=RepRole.MANAGER, language="ja").user)

    # when they open the exchange page, the leads list and Today
    exchange_page = client.get("/exchanges/hitex/").content.decode()
    lead_list = client.get("/leads/").content.decode()
    today = client.get("/").content.decode()

    # then every factor reads in Japanese: all on the exchange page, the top reasons in the list, the first on Today
    assert "2025年9月1日のAlibaba Cloud cn-hongkong (Hong Kong)の障害：取引に支障が出た" in exchange_page
    assert "中規模の取引所：競争の激しい中間層" in exchange_page
    # and the score history says what moved it, from the history row's parameters
    history = exchange_page.split('class="kind-score">', 1)[1].split("</li>", 1)[0]
    assert history.endswith(": 中規模の取引所：競争の激しい中間層")
    assert "Alibaba Cloudがクラウド配分全体の60%を占める <small" in lead_list
    assert "<small>Alibaba Cloudがクラウド配分全体の60%を占める</small>" in today
    assert "holds 60%" not in exchange_page + lead_list + today


@pytest.mark.parametrize(
    ("language", "shown_day", "shown_moment"),
    [
        ("en", "28 Aug 2025", "28 Aug 2020 09:00 JST"),
        ("ja", "2025年8月28日", "2020年8月28日 09:00 JST"),
        ("zh-hans", "2025年8月28日", "2020年8月28日 09:00 JST"),
    ],
)
def test_the_pages_write_days_and_moments_in_the_order_of_the_readers_language(language, shown_day, shown_moment):
    from django.utils import timezone, translation

    from leads.templatetags.moments import day, moment

    with translation.override(language), timezone.override("Asia/Tokyo"):
        assert day(datetime.date(2025, 8, 28)) == shown_day
        # a moment of another year than this one carries its year
        assert moment(datetime.datetime(2020, 8, 28, 0, 0, tzinfo=datetime.UTC)) == shown_moment


def test_what_moved_a_score_reads_in_the_readers_language_from_the_history_row(relocating):
    from django.utils import translation

    from leads.models import ScoreChange
    from leads.pages import change_cause

    # given a history row whose old score had the relocation pressure and the new one has not
    change = ScoreChange(old_factors=[relocating["size"], relocating["relocation"]], new_factors=[relocating["size"]])

    causes = {}
    for language in ("en", "ja", "zh-hans"):
        with translation.override(language):
            causes[language] = change_cause(change)

    assert causes == {
        "en": "No longer: Japan's PSA amendment (in force since 2023-06-01) since it arrived on 2024-03-01 and it "
        "has no licence: it must relocate",
        "ja": "該当しなくなった：日本のPSA amendment（2023年6月1日施行、2024年3月1日の進出以降適用）、"
        "ライセンス未取得：移転が必要",
        "zh-hans": "不再适用：日本的PSA amendment（自2023年6月1日起施行，自2024年3月1日进入当地起适用），"
        "且无牌照：必须迁移",
    }
