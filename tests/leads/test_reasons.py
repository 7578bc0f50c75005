"""The one-line reason and the top reasons: the factor that best explains the grade comes first."""

import datetime

import pytest

from leads.parameters import ScoringParameters
from leads.reasons import reason_line, reasons_top
from leads.scoring import AllocationFact, ExchangeFacts, HomeVendor, PresenceFact, score_exchange

AS_OF = datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC)
HOME = HomeVendor(1, "Tencent Cloud")


def _factors(facts: ExchangeFacts) -> list[dict]:
    return score_exchange(facts, parameters=ScoringParameters(), home=HOME, as_of=AS_OF).factors_json()


def test_a_banned_only_exchange_reads_its_hard_stop_not_no_reason():
    facts = ExchangeFacts(1, "Closed", presences=(PresenceFact(9, "China", "banned", False, True),))

    assert reason_line(_factors(facts)) == "It operates only in China, where crypto trading is banned"


def test_a_mid_size_account_reads_its_rival_not_its_size():
    facts = ExchangeFacts(1, "Bybit", size_tier_by_hand="mid", allocations=(AllocationFact(7, 2, "AWS", "all", 100.0),))

    top = reasons_top(_factors(facts))

    # size +20 is the largest single factor, but every mid-size account has it
    assert [(f["code"], f["points"]) for f in top] == [
        ("rival_share", 20),
        ("displacement_target", 10),
        ("displaceable_share", 10),
    ]
    assert reason_line(_factors(facts)) == "AWS holds 100% of its allocations"


def test_the_size_explains_the_grade_when_nothing_more_particular_adds_points():
    facts = ExchangeFacts(
        1, "Ours", size_tier_by_hand="mid", allocations=(AllocationFact(7, 1, "Tencent Cloud", "all", 50.0),)
    )

    assert [(f["code"], f["points"]) for f in reasons_top(_factors(facts))] == [("size", 20), ("home_share", -5)]
    assert reason_line(_factors(facts)) == "A mid-size exchange: the contested middle"


def test_an_unsized_account_of_unknown_cloud_reads_research_needed():
    facts = ExchangeFacts(1, "Unknown")

    assert reason_line(_factors(facts)) == "Its cloud allocation is unknown: research needed"


def test_what_takes_points_away_comes_after_what_adds_them():
    factors = [
        {"code": "home_incident", "points": -8, "sentence": "Our outage"},
        {"code": "size", "points": 5, "sentence": "Small"},
        {"code": "research_needed", "points": 0, "sentence": "Research"},
        {"code": "regulation", "points": 10, "sentence": "Pressure"},
    ]

    assert [f["sentence"] for f in reasons_top(factors, limit=4)] == ["Pressure", "Small", "Our outage", "Research"]


@pytest.mark.parametrize("factors", [None, []])
def test_a_score_without_factors_has_no_reason(factors):
    assert (reason_line(factors), reasons_top(factors)) == ("", [])
