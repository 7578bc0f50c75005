"""Who a person is to a cloud sale, read from their job title in English, Japanese or Chinese, and the
person score a follow-up list ranks by.

Pure: a title in, 'infrastructure', 'executive', 'engineer' or 'other' out. The rules are data,
tried in order, and the first that matches wins: the infrastructure words come first, so
"インフラ部長" (head of the infrastructure department) and "运维负责人" (head of operations) decide
on infrastructure rather than reading as any other head of department."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from leads.parameters import ScoringParameters
from leads.scoring import Factor
from leads.sentences import gettext_noop, message

INFRASTRUCTURE = "infrastructure"
EXECUTIVE = "executive"
ENGINEER = "engineer"
OTHER = "other"

# The persona a contact's role in the account book gives, whatever the title says.
ROLE_PERSONAS = {"head_of_infra": INFRASTRUCTURE, "c_level": EXECUTIVE, "engineer": ENGINEER}
# When the title and the role disagree, the one nearer to the infrastructure decision wins.
PERSONA_RANK = {INFRASTRUCTURE: 3, EXECUTIVE: 2, ENGINEER: 1, OTHER: 0}

# Latin words stand alone: not inside another Latin word ("ml" is not in "html"), but right next to
# Japanese or Chinese ("SREリード"), where a regex word boundary (\b) would not see an edge.
_LATIN_BEFORE = r"(?<![a-z0-9])"
_LATIN_AFTER = r"(?![a-z0-9])"
# What makes an AI word a lead role rather than any mention of AI.
_LEAD_WORDS = r"(?:責任者|リード|リーダー|部長|室長|ヘッド|统括|統括|负责人|負責人|总监|總監|主管|leads?|head)"


@dataclass(frozen=True, slots=True)
class PersonaRule:
    """Titles containing one of `latin` (whole Latin words) or `cjk` (Japanese or Chinese, anywhere)
    belong to `persona`. Both are regular expressions over the title as `normalise_title` gives it."""

    persona: str
    what: str
    latin: tuple[str, ...] = ()
    cjk: tuple[str, ...] = ()

    def pattern(self) -> re.Pattern[str]:
        parts = [f"{_LATIN_BEFORE}(?:{'|'.join(self.latin)}){_LATIN_AFTER}"] if self.latin else []
        parts.extend(self.cjk)
        return re.compile("|".join(parts))


PERSONA_RULES: tuple[PersonaRule, ...] = (
    PersonaRule(
        INFRASTRUCTURE,
        "heads of technology",
        latin=("cto", "chief technology", "chief technical"),
        cjk=(
            "最高技術責任者",
            "首席技[术術]官",
            "技術責任者",
            "技[术術](?:负责人|負責人|总监|總監|部长|部長|本部長|担当役員|統括)",
        ),
    ),
    PersonaRule(
        INFRASTRUCTURE,
        "heads of information systems",
        latin=("cio", "chief information"),
        cjk=("最高情報責任者", "首席信息官", "情報システム", "情シス", "信息系统", "信息技术部"),
    ),
    PersonaRule(
        INFRASTRUCTURE,
        "infrastructure, operations and cloud",
        latin=("infra[a-z]*", "devops", "cloud"),
        cjk=(
            "インフラ",
            "基盤",
            "(?<!資産)(?<!資金)運用",  # operations, not asset management (資産運用)
            "运维",
            "運維",
            "基础设施",
            "基础架构",
            "クラウド",
            "云",
        ),
    ),
    PersonaRule(
        INFRASTRUCTURE,
        "site reliability",
        latin=("sre", "site reliability"),
        cjk=("サイト信頼性", "网站可靠性"),
    ),
    PersonaRule(INFRASTRUCTURE, "platform", latin=("platform",), cjk=("プラットフォーム", "平台")),
    PersonaRule(
        INFRASTRUCTURE,
        "AI and machine learning",
        latin=("head of ai", "ai lead", "lead,? ai", "chief ai", "machine learning", "ml"),
        cjk=(f"{_LATIN_BEFORE}ai{_LEAD_WORDS}", "人工知能", "人工智能", "機械学習", "机器学习", "大模型"),
    ),
    PersonaRule(
        EXECUTIVE,
        "executives and heads of department",
        latin=(
            "ceo",
            "coo",
            "cfo",
            "founder",
            "co-founder",
            "chief",
            "president",
            "vp",
            "vice president",
            "head",
            "director",
        ),
        cjk=(
            "代表取締役",
            "副社長",
            "社長",
            "会長",
            "取締役",
            "執行役員",
            "最高経営責任者",
            "本部長",
            "部長",
            "部长",
            "責任者",
            "创始人",
            "創始人",
            "創業者",
            "董事",
            "总裁",
            "總裁",
            "首席执行官",
            "总经理",
            "總經理",
            "总监",
            "總監",
            "负责人",
            "負責人",
        ),
    ),
    PersonaRule(
        ENGINEER,
        "engineers and architects",
        latin=("engineer[a-z]*", "developer", "architect", "tech lead", "technical"),
        cjk=(
            "エンジニア",
            "工程师",
            "工程師",
            "開発",
            "开发",
            "研发",
            "アーキテクト",
            "架构师",
            "架構師",
            "テックリード",
        ),
    ),
)

_COMPILED = tuple((rule, rule.pattern()) for rule in PERSONA_RULES)


def normalise_title(title: str) -> str:
    """The form rules read: NFKC (full-width ＣＴＯ is CTO, half-width ｲﾝﾌﾗ is インフラ), case-folded,
    single spaces.

    >>> normalise_title("ＣＴＯ ／ ｲﾝﾌﾗ")
    'cto / インフラ'
    """
    return " ".join(unicodedata.normalize("NFKC", title or "").casefold().split())


def title_rule(title: str) -> PersonaRule | None:
    """The first rule a title matches, or None."""
    text = normalise_title(title)
    for rule, pattern in _COMPILED:
        if pattern.search(text):
            return rule
    return None


def persona(title: str, contact_role: str = "") -> str:
    """'infrastructure', 'executive', 'engineer' or 'other': who decides on infrastructure, from the
    title and the contact's role, whichever is nearer to the decision."""
    rule = title_rule(title)
    from_title = rule.persona if rule is not None else OTHER
    from_role = ROLE_PERSONAS.get(contact_role, OTHER)
    return max(from_title, from_role, key=PERSONA_RANK.__getitem__)


# --- the person-level score: their exchange's score, plus persona fit and engagement -------------------


@dataclass(frozen=True, slots=True)
class PersonFacts:
    full_name: str
    title: str = ""
    contact_role: str = ""
    exchange_name: str = ""
    exchange_score: int | None = None
    notes: str = ""


@dataclass(frozen=True, slots=True)
class PersonScore:
    score: int
    factors: tuple[Factor, ...] = field(default_factory=tuple)
    points_total: int = 0

    def factors_json(self) -> list[dict]:
        return [factor.to_json() for factor in self.factors]


# What a persona is to the sale, said after the title (or "No title"): one message id each.
PERSONA_FIT = {
    INFRASTRUCTURE: gettext_noop("%(label)s: decides on infrastructure"),
    EXECUTIVE: gettext_noop("%(label)s: an executive"),
    ENGINEER: gettext_noop("%(label)s: an engineer who influences the choice"),
    OTHER: gettext_noop("%(label)s: not a buyer of infrastructure"),
}
NO_TITLE = gettext_noop("No title")


def _person_factor(code: str, points: int, msgid: str, **params) -> Factor:
    """A factor saying `msgid` with `params` (rendered per language by leads.sentences when shown)."""
    return Factor(code, points, "", (), msgid, params)


def score_person(facts: PersonFacts, *, parameters: ScoringParameters) -> PersonScore:
    """A person's lead score: their exchange's score, plus persona fit and engagement."""
    factors: list[Factor] = []
    if facts.exchange_score is None:
        factors.append(_person_factor("no_exchange", 0, gettext_noop("Not matched to an exchange yet")))
    else:
        factors.append(
            _person_factor(
                "exchange_score",
                facts.exchange_score,
                gettext_noop("Works at %(name)s, scored %(score)s"),
                name=facts.exchange_name,
                score=facts.exchange_score,
            )
        )
    kind = persona(facts.title, facts.contact_role)
    points = {
        INFRASTRUCTURE: parameters.persona_infrastructure_points,
        EXECUTIVE: parameters.persona_executive_points,
        ENGINEER: parameters.persona_engineer_points,
        OTHER: 0,
    }[kind]
    label = facts.title or message(NO_TITLE)
    factors.append(_person_factor("persona", points, PERSONA_FIT[kind], label=label))
    if facts.notes.strip():
        factors.append(
            _person_factor(
                "engagement", parameters.person_engagement_points, gettext_noop("Met at the booth, with notes")
            )
        )
    total = sum(f.points for f in factors)
    return PersonScore(max(0, min(100, total)), tuple(factors), total)
