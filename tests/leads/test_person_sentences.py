"""A person score's reasons are kept as message ids and parameters and read in the reader's language: the
follow-ups API (Accept-Language or ?lang=), the follow-up board and the admin."""

import datetime

import pytest
from django.test import Client

from crm.choices import RepRole
from intel.models import Attendee
from leads.models import FollowUp
from leads.parameters import ScoringParameters
from leads.personas import PersonFacts, score_person
from leads.sentences import factor_sentence
from leads.services import follow_ups_create_for_event, scores_rescore
from tests.api.conftest import client_for
from tests.crm.factories import RepFactory, jurisdiction
from tests.leads.factories import exchange_on, webx_tokyo

LANGUAGES = ("en", "ja", "zh-hans")


def reasons(facts: PersonFacts) -> dict[str, tuple[str, ...]]:
    factors = score_person(facts, parameters=ScoringParameters()).factors_json()
    return {language: tuple(factor_sentence(f, language) for f in factors) for language in LANGUAGES}


def test_a_matched_infrastructure_buyer_met_at_the_booth_reads_in_three_languages():
    facts = PersonFacts("Aiko Sato", "インフラ部長", exchange_name="Tokyoex", exchange_score=74, notes="wants a PoC")
    assert reasons(facts) == {
        "en": (
            "Works at Tokyoex, scored 74",
            "インフラ部長: decides on infrastructure",
            "Met at the booth, with notes",
        ),
        "ja": ("Tokyoexに勤務（スコア74）", "インフラ部長：インフラの意思決定者", "ブースで面会、メモあり"),
        "zh-hans": ("就职于Tokyoex（评分74）", "インフラ部長：基础设施决策者", "在展位见过面，有备注"),
    }


def test_an_unmatched_person_without_a_title_reads_in_three_languages():
    assert reasons(PersonFacts("Chen")) == {
        "en": ("Not matched to an exchange yet", "No title: not a buyer of infrastructure"),
        "ja": ("まだ取引所と照合されていない", "役職なし：インフラの購買担当ではない"),
        "zh-hans": ("尚未匹配到交易所", "无职位：不是基础设施采购者"),
    }


def test_the_stored_factor_keeps_its_message_and_parameters_and_reads_in_english():
    [_, fit] = score_person(PersonFacts("Bo", "Sales manager"), parameters=ScoringParameters()).factors_json()
    assert fit == {
        "code": "persona",
        "points": 0,
        "sentence": "",
        "references": [],
        "message": "%(label)s: not a buyer of infrastructure",
        "params": {"label": "Sales manager"},
    }
    assert factor_sentence(fit, "en") == "Sales manager: not a buyer of infrastructure"


@pytest.fixture
def aiko(db, home_vendor_slug) -> FollowUp:
    """Aiko, CTO at Tokyoex (scored 58), met at WebX with notes: a follow-up for the rep covering Japan."""
    tokyoex = exchange_on("tokyoex", {"alibaba-cloud": 60}, presences={"JP": "licensed"})
    scores_rescore(as_of=datetime.datetime(2025, 8, 27, tzinfo=datetime.UTC))
    RepFactory(user__username="rep.japan", territories=[jurisdiction("JP")])
    event = webx_tokyo()
    Attendee.objects.create(
        event=event,
        full_name="Aiko CTO",
        title="CTO",
        notes="wants a PoC",
        exchange=tokyoex,
        match_status="matched",
        dedupe_key="aiko cto",
    )
    [follow_up] = follow_ups_create_for_event(event=event)
    return follow_up


def test_the_follow_ups_api_says_the_person_reasons_in_the_requested_language(aiko):
    manager = RepFactory(user__username="manager", role=RepRole.MANAGER).user
    client = client_for(manager)

    japanese = client.get(f"/api/v1/follow-ups/{aiko.pk}/", HTTP_ACCEPT_LANGUAGE="ja")
    chinese = client.get(f"/api/v1/follow-ups/{aiko.pk}/?lang=zh-CN")
    english = client.get(f"/api/v1/follow-ups/{aiko.pk}/", HTTP_ACCEPT_LANGUAGE="ja", QUERY_STRING="lang=en")

    def said(response):
        return [(f["code"], f["points"], f["sentence"]) for f in response.json()["person_factors"]]

    assert (japanese.status_code, japanese["Content-Language"]) == (200, "ja")
    assert said(japanese) == [
        ("exchange_score", 58, "Tokyoexに勤務（スコア58）"),
        ("persona", 15, "CTO：インフラの意思決定者"),
        ("engagement", 5, "ブースで面会、メモあり"),
    ]
    assert (chinese.status_code, chinese["Content-Language"]) == (200, "zh-hans")
    assert said(chinese) == [
        ("exchange_score", 58, "就职于Tokyoex（评分58）"),
        ("persona", 15, "CTO：基础设施决策者"),
        ("engagement", 5, "在展位见过面，有备注"),
    ]
    assert said(english) == [
        ("exchange_score", 58, "Works at Tokyoex, scored 58"),
        ("persona", 15, "CTO: decides on infrastructure"),
        ("engagement", 5, "Met at the booth, with notes"),
    ]
    # the list says them the same way
    listed = client.get("/api/v1/follow-ups/", HTTP_ACCEPT_LANGUAGE="zh-CN").json()["results"]
    assert [f["sentence"] for f in listed[0]["person_factors"]] == [s for _, _, s in said(chinese)]


def test_a_follow_ups_api_language_the_product_does_not_speak_is_refused_naming_it(aiko):
    manager = RepFactory(user__username="manager", role=RepRole.MANAGER).user
    response = client_for(manager).get(f"/api/v1/follow-ups/{aiko.pk}/?lang=fr")
    assert (response.status_code, response.json()["lang"]) == (
        400,
        ["'fr' is not one of the languages: en, ja, zh-hans."],
    )


def test_the_follow_up_board_and_the_admin_show_the_reasons_in_the_pages_language(aiko):
    manager = RepFactory(user__username="manager", role=RepRole.MANAGER, user__is_staff=True).user
    manager.is_superuser = True
    manager.save()
    client = Client()
    client.force_login(manager)

    board = client.get("/events/webx-2025/follow-ups/", HTTP_ACCEPT_LANGUAGE="ja")
    admin_page = client.get(f"/admin/leads/followup/{aiko.pk}/change/", HTTP_ACCEPT_LANGUAGE="zh-CN")

    assert board.status_code == 200
    assert (
        '<small class="person-why">Tokyoexに勤務（スコア58） · CTO：インフラの意思決定者 · '
        "ブースで面会、メモあり</small>" in board.content.decode()
    )
    assert admin_page.status_code == 200
    assert "就职于Tokyoex（评分58） (+58)<br>CTO：基础设施决策者 (+15)<br>在展位见过面，有备注 (+5)" in (
        admin_page.content.decode()
    )
