"""Persona rules: job titles in English, Japanese and Chinese, and the points they give a person."""

import pytest

from leads.parameters import ScoringParameters
from leads.personas import PERSONA_RULES, PersonFacts, normalise_title, persona, score_person, title_rule
from leads.sentences import factor_sentence


def english(factor) -> str:
    """A factor's sentence as a reader of the stored score gets it in English."""
    return factor_sentence(factor.to_json(), "en")


PARAMETERS = ScoringParameters()


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        # heads of technology
        ("CTO", "infrastructure"),
        ("最高技術責任者", "infrastructure"),
        ("首席技术官", "infrastructure"),
        ("技術責任者", "infrastructure"),
        ("技术负责人", "infrastructure"),
        ("技术总监", "infrastructure"),
        ("技術本部長", "infrastructure"),
        # information systems
        ("CIO", "infrastructure"),
        ("情報システム部 課長", "infrastructure"),
        ("首席信息官", "infrastructure"),
        # infrastructure, operations, cloud: these words win over 部長 / 负责人
        ("インフラ部長", "infrastructure"),
        ("システム基盤部 部長", "infrastructure"),
        ("運用本部長", "infrastructure"),
        ("运维负责人", "infrastructure"),
        ("基础设施总监", "infrastructure"),
        ("基础架构工程师", "infrastructure"),
        ("云计算总监", "infrastructure"),
        ("クラウド推進室長", "infrastructure"),
        ("Head of Infrastructure", "infrastructure"),
        # site reliability
        ("SREリード", "infrastructure"),
        ("サイト信頼性エンジニア", "infrastructure"),
        ("Site Reliability Engineer", "infrastructure"),
        # platform
        ("プラットフォーム部長", "infrastructure"),
        ("平台架构师", "infrastructure"),
        # AI lead roles
        ("AIリード", "infrastructure"),
        ("AI責任者", "infrastructure"),
        ("AI负责人", "infrastructure"),
        ("人工知能研究所 所長", "infrastructure"),
        ("机器学习平台负责人", "infrastructure"),
        ("大模型算法专家", "infrastructure"),
        ("Head of AI", "infrastructure"),
        # executives and heads of department
        ("代表取締役社長", "executive"),
        ("社長", "executive"),
        ("CEO", "executive"),
        ("取締役", "executive"),
        ("執行役員", "executive"),
        ("営業部長", "executive"),
        ("事業本部長", "executive"),
        ("市场总监", "executive"),
        ("总经理", "executive"),
        ("业务负责人", "executive"),
        ("共同創業者", "executive"),
        ("联合创始人", "executive"),
        ("董事长", "executive"),
        ("VP of Sales", "executive"),
        ("副社長", "executive"),
        ("資産運用部長", "executive"),  # asset management (資産運用), not operations (運用)
        # engineers
        ("バックエンドエンジニア", "engineer"),
        ("高级工程师", "engineer"),
        ("開発チーム", "engineer"),
        ("开发", "engineer"),
        ("ソリューションアーキテクト", "engineer"),
        ("架构师", "engineer"),
        ("テックリード", "engineer"),
        ("AIエンジニア", "engineer"),  # an AI engineer, not an AI lead
        ("Backend Developer", "engineer"),
        # nobody who buys infrastructure
        ("マーケティング担当", "other"),
        ("市场经理", "other"),
        ("Marketing manager", "other"),
        ("HTML coder", "other"),  # "ml" is a word of its own, not part of "html"
        ("", "other"),
    ],
)
def test_title_gives_persona(title, expected):
    assert persona(title, "") == expected


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("ＣＴＯ", "infrastructure"),  # full-width Latin
        ("ｲﾝﾌﾗ部長", "infrastructure"),  # half-width katakana
        ("ＳＲＥﾘｰﾄﾞ", "infrastructure"),
        ("ｴﾝｼﾞﾆｱ", "engineer"),
        ("ｃｅｏ", "executive"),
    ],
)
def test_full_and_half_width_titles_read_as_their_normal_forms(title, expected):
    assert persona(title, "") == expected


def test_normalised_title_is_nfkc_casefolded_with_single_spaces():
    assert normalise_title("  ＣＴＯ　／ ｲﾝﾌﾗ  ") == "cto / インフラ"


def test_first_matching_rule_is_the_one_reported():
    rule = title_rule("インフラ部長")

    assert (rule.persona, rule.what) == ("infrastructure", "infrastructure, operations and cloud")
    assert PERSONA_RULES.index(rule) < PERSONA_RULES.index(title_rule("部長"))


@pytest.mark.parametrize(
    ("title", "role", "expected"),
    [
        ("マーケティング担当", "head_of_infra", "infrastructure"),
        ("部長", "head_of_infra", "infrastructure"),  # the role is nearer to the decision
        ("インフラ部長", "c_level", "infrastructure"),  # the title is nearer to the decision
        ("", "c_level", "executive"),
        ("", "engineer", "engineer"),
        ("", "business", "other"),
    ],
)
def test_title_and_role_give_the_persona_nearer_to_the_decision(title, role, expected):
    assert persona(title, role) == expected


def person(title: str):
    return score_person(
        PersonFacts("Aiko", title=title, exchange_name="Coincheck", exchange_score=10), parameters=PARAMETERS
    )


def test_japanese_head_of_infrastructure_scores_as_a_cto():
    cto, head_of_infra = person("CTO"), person("インフラ部長")

    assert (cto.score, head_of_infra.score) == (25, 25)
    assert [english(f) for f in head_of_infra.factors] == [
        "Works at Coincheck, scored 10",
        "インフラ部長: decides on infrastructure",
    ]


@pytest.mark.parametrize(
    ("title", "score"),
    [("SREリード", 25), ("技术总监", 25), ("运维负责人", 25), ("代表取締役", 20), ("工程师", 15), ("広報", 10)],
)
def test_chinese_and_japanese_titles_get_their_points(title, score):
    assert person(title).score == score
