"""The pure scoring function: factors, points, decay, hard stops, person scores."""

import datetime

import pytest

from leads.parameters import ParameterError, ScoringParameters
from leads.personas import PersonFacts, score_person
from leads.scoring import (
    AllocationFact,
    ExchangeFacts,
    HomeVendor,
    IncidentFact,
    MarketFigureFact,
    MomentFact,
    PresenceFact,
    RegulationFact,
    decay,
    score_exchange,
    size_in_effect,
)
from leads.sentences import factor_sentence


def english(factor) -> str:
    """A factor's sentence as a reader of the stored score gets it in English."""
    return factor_sentence(factor.to_json(), "en")


AS_OF = datetime.datetime(2025, 9, 1, tzinfo=datetime.UTC)
TENCENT = HomeVendor(3, "Tencent Cloud")
ALIBABA_ID = 1
PARAMETERS = ScoringParameters()


def alibaba_at(share: float) -> AllocationFact:
    return AllocationFact(id=11, vendor_id=ALIBABA_ID, vendor_name="Alibaba Cloud", workload="all", share_percent=share)


def outage(days_ago: float, *, named: bool = False) -> IncidentFact:
    return IncidentFact(
        signal_id=7,
        vendor_id=ALIBABA_ID,
        vendor_name="Alibaba Cloud",
        region="Hong Kong",
        occurred_at=AS_OF - datetime.timedelta(days=days_ago),
        severity=5,
        names_exchange=named,
    )


def test_rival_at_60_percent_explains_each_point():
    # given a mid-size exchange with Alibaba Cloud at 60%
    facts = ExchangeFacts(1, "Midex", size_tier_by_hand="mid", allocations=(alibaba_at(60),))

    # when it is scored for a Tencent Cloud team
    result = score_exchange(facts, parameters=PARAMETERS, home=TENCENT, as_of=AS_OF)

    # then each factor says why, and the points add up to the score
    assert [(f.code, f.points, english(f), f.references) for f in result.factors] == [
        ("size", 20, "A mid-size exchange: the contested middle", ()),
        ("rival_share", 12, "Alibaba Cloud holds 60% of its allocations", ("allocation:11",)),
        ("displacement_target", 10, "A rival at 60% or more: a displacement target", ("allocation:11",)),
        ("displaceable_share", 6, "Rivals hold 60% of its allocations in all (1 vendor)", ("allocation:11",)),
    ]
    assert (result.score, result.grade, result.points_total) == (48, "C", 48)
    assert result.is_defend is False


def test_recent_rival_outage_adds_points_that_halve_every_half_life():
    base = ExchangeFacts(1, "Midex", size_tier_by_hand="mid", allocations=(alibaba_at(60),))
    fresh = ExchangeFacts(
        1, "Midex", size_tier_by_hand="mid", allocations=(alibaba_at(60),), incidents=(outage(0, named=True),)
    )
    aged = ExchangeFacts(
        1, "Midex", size_tier_by_hand="mid", allocations=(alibaba_at(60),), incidents=(outage(180, named=True),)
    )

    without = score_exchange(base, parameters=PARAMETERS, home=TENCENT, as_of=AS_OF).score
    with_fresh = score_exchange(fresh, parameters=PARAMETERS, home=TENCENT, as_of=AS_OF)
    with_aged = score_exchange(aged, parameters=PARAMETERS, home=TENCENT, as_of=AS_OF)

    assert (with_fresh.score - without, with_aged.score - without) == (12, 6)
    assert english(with_aged.factors[-1]) == (
        "Alibaba Cloud Hong Kong outage on 2025-03-05 disrupted its trading (decayed to 50%)"
    )
    assert with_aged.factors[-1].references == ("signal:7",)


def test_decay_halves_at_each_half_life_and_ignores_the_future():
    start = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    assert decay(occurred_at=start, as_of=start + datetime.timedelta(days=60), half_life_days=30) == 0.25
    assert decay(occurred_at=start, as_of=start - datetime.timedelta(days=1), half_life_days=30) == 0.0


def test_our_vendor_at_80_percent_is_an_account_to_defend():
    tencent = AllocationFact(12, TENCENT.id, "Tencent Cloud", "all", 80)
    facts = ExchangeFacts(2, "Loyal", size_tier_by_hand="mid", allocations=(tencent,))

    result = score_exchange(facts, parameters=PARAMETERS, home=TENCENT, as_of=AS_OF)

    assert result.is_defend is True
    assert [(f.code, f.points, english(f)) for f in result.factors] == [
        ("size", 20, "A mid-size exchange: the contested middle"),
        ("defend", -8, "Tencent Cloud (our vendor) holds 80% of its allocations: a customer to defend, not a new logo"),
    ]
    assert result.score == 12


def test_singapore_regulation_counts_only_from_its_effective_date():
    singapore = PresenceFact(5, "Singapore", "pending", is_major=True, is_banned=False)
    dtsp = RegulationFact(
        9, 5, "Singapore", "DTSP regime", datetime.date(2025, 6, 30), ("unlicensed", "pending"), True, ""
    )
    facts = ExchangeFacts(3, "Movex", size_tier_by_hand="mid", presences=(singapore,), regulations=(dtsp,))

    before = score_exchange(
        facts, parameters=PARAMETERS, home=TENCENT, as_of=datetime.datetime(2025, 6, 29, tzinfo=datetime.UTC)
    )
    after = score_exchange(
        facts, parameters=PARAMETERS, home=TENCENT, as_of=datetime.datetime(2025, 6, 30, tzinfo=datetime.UTC)
    )

    assert [f.code for f in before.factors] == ["size", "research_needed"]
    assert english(after.factors[-1]) == (
        "Singapore's DTSP regime since 2025-06-30 and its licence is pending: it must relocate"
    )
    assert (after.factors[-1].points, after.score - before.score) == (20, 20)


def test_an_exchange_that_arrived_after_the_regulation_is_pressed_from_its_arrival():
    # given Movex, pending in Singapore since 2025-09-01, two months after DTSP took effect
    arrived = PresenceFact(5, "Singapore", "pending", is_major=True, is_banned=False, since=datetime.date(2025, 9, 1))
    dtsp = RegulationFact(
        9, 5, "Singapore", "DTSP regime", datetime.date(2025, 6, 30), ("unlicensed", "pending"), True, ""
    )
    facts = ExchangeFacts(3, "Movex", size_tier_by_hand="mid", presences=(arrived,), regulations=(dtsp,))

    before = score_exchange(
        facts, parameters=PARAMETERS, home=TENCENT, as_of=datetime.datetime(2025, 8, 31, tzinfo=datetime.UTC)
    )
    after = score_exchange(
        facts, parameters=PARAMETERS, home=TENCENT, as_of=datetime.datetime(2025, 9, 1, tzinfo=datetime.UTC)
    )

    # then the day before it arrived nothing presses it; from that day the regulation does, saying since when
    assert [f.code for f in before.factors] == ["size", "research_needed"]
    assert english(after.factors[-1]) == (
        "Singapore's DTSP regime (in force since 2025-06-30) since it arrived on 2025-09-01 "
        "and its licence is pending: it must relocate"
    )
    assert (after.factors[-1].points, after.score - before.score) == (20, 20)


def test_unknown_allocation_is_research_needed_not_zero_rival_share():
    result = score_exchange(
        ExchangeFacts(4, "Unknownex", size_tier_by_hand="mid"), parameters=PARAMETERS, home=TENCENT, as_of=AS_OF
    )

    assert result.is_research_needed is True
    assert [(f.code, f.points, english(f)) for f in result.factors] == [
        ("size", 20, "A mid-size exchange: the contested middle"),
        ("research_needed", 0, "Its cloud allocation is unknown: research needed"),
    ]


def test_hard_stops_score_zero_with_the_reason():
    china = PresenceFact(6, "China", "banned", is_major=False, is_banned=True)
    banned = ExchangeFacts(5, "Mainland", size_tier_by_hand="mid", presences=(china,), allocations=(alibaba_at(90),))
    do_not_pursue = ExchangeFacts(
        6, "Nope", size_tier_by_hand="mid", is_do_not_pursue=True, allocations=(alibaba_at(90),)
    )

    first = score_exchange(banned, parameters=PARAMETERS, home=TENCENT, as_of=AS_OF)
    second = score_exchange(do_not_pursue, parameters=PARAMETERS, home=TENCENT, as_of=AS_OF)

    assert (first.score, first.grade, [english(f) for f in first.factors]) == (
        0,
        "D",
        ["It operates only in China, where crypto trading is banned"],
    )
    assert (second.score, [f.code for f in second.factors]) == (0, ["do_not_pursue"])


def test_points_add_up_before_clamping():
    many = ExchangeFacts(
        7,
        "Everything",
        size_tier_by_hand="mid",
        allocations=(alibaba_at(100),),
        incidents=(outage(0, named=True),),
        presences=(PresenceFact(5, "Singapore", "pending", True, False),),
        regulations=(
            RegulationFact(9, 5, "Singapore", "DTSP regime", datetime.date(2025, 6, 30), ("pending",), True, ""),
        ),
        ai_interest=(MomentFact("signal:8", AS_OF, "asked for an LLM trial"),),
        engagements=(MomentFact("event:2", AS_OF, "Met at WebX Tokyo"),),
    )

    result = score_exchange(many, parameters=PARAMETERS, home=TENCENT, as_of=AS_OF)

    assert sum(f.points for f in result.factors) == result.points_total == 20 + 20 + 10 + 10 + 20 + 20 + 10 + 10
    assert (result.score, result.grade) == (100, "A")


def test_person_score_adds_persona_fit_and_engagement():
    cto = score_person(
        PersonFacts("Aiko", title="CTO", exchange_name="Midex", exchange_score=48, notes="wants a PoC"),
        parameters=PARAMETERS,
    )
    marketer = score_person(
        PersonFacts("Bo", title="Marketing manager", exchange_name="Midex", exchange_score=48), parameters=PARAMETERS
    )

    assert (cto.score, [f.points for f in cto.factors]) == (68, [48, 15, 5])
    assert (marketer.score, [english(f) for f in marketer.factors]) == (
        48,
        ["Works at Midex, scored 48", "Marketing manager: not a buyer of infrastructure"],
    )


def coingecko(normalized: float | None, reported: float = 23_491.0) -> MarketFigureFact:
    return MarketFigureFact(
        id=5,
        source="coingecko",
        as_of=datetime.date(2023, 1, 7),
        volume_24h_btc=reported,
        volume_24h_btc_normalized=normalized,
        trust_score_rank=21,
    )


def test_the_size_tier_comes_from_the_newest_market_figure_and_names_it():
    # given an exchange nobody sized by hand, with a CoinGecko figure of 9,450 BTC (normalized)
    facts = ExchangeFacts(1, "Bitget", market_figure=coingecko(9_450.2), allocations=(alibaba_at(60),))

    # when it is scored with the default thresholds (mid-size from 1,000 BTC, large from 10,000 BTC)
    result = score_exchange(facts, parameters=PARAMETERS, home=TENCENT, as_of=AS_OF)

    # then it is mid-size, and the factor names the figure, its rank, source and date
    assert result.size_tier == "mid"
    assert (result.factors[0].code, result.factors[0].points, english(result.factors[0])) == (
        "size",
        20,
        "Mid-size: 24h volume 9,450 BTC, rank 21 on CoinGecko (2023-01-07)",
    )
    assert result.factors[0].references == ("market_figure:5",)


def test_without_a_normalized_volume_the_reported_one_sets_the_tier():
    facts = ExchangeFacts(1, "Bigex", market_figure=coingecko(None, reported=23_491.4))

    result = score_exchange(facts, parameters=PARAMETERS, home=TENCENT, as_of=AS_OF)

    assert (result.size_tier, result.factors[0].points, english(result.factors[0])) == (
        "large",
        10,
        "Large: 24h volume 23,491 BTC, rank 21 on CoinGecko (2023-01-07)",
    )


def test_the_model_thresholds_move_the_tier():
    facts = ExchangeFacts(1, "Bitget", market_figure=coingecko(9_450.0))
    stricter = ScoringParameters(size_large_volume_btc=50_000, size_mid_volume_btc=10_000)

    assert size_in_effect(size_tier_by_hand="unknown", figure=facts.market_figure, parameters=stricter).tier == "small"
    assert size_in_effect(size_tier_by_hand="unknown", figure=facts.market_figure, parameters=PARAMETERS).tier == "mid"


def test_a_tier_set_by_hand_wins_over_the_market_figure_and_says_why():
    # given a figure that says mid-size, and a rep who knows better
    facts = ExchangeFacts(
        1,
        "Bitget",
        size_tier_by_hand="large",
        size_reason="derivatives volume 10x spot (Bitget annual report 2025)",
        market_figure=coingecko(9_450.0),
    )

    verdict = size_in_effect(size_tier_by_hand="large", figure=facts.market_figure, parameters=PARAMETERS)
    result = score_exchange(facts, parameters=PARAMETERS, home=TENCENT, as_of=AS_OF)

    # then the hand-set tier is the one in effect, and the figure is still known
    assert (verdict.tier, verdict.basis, verdict.figure.volume_btc) == ("large", "hand", 9_450.0)
    assert (result.size_tier, result.factors[0].points, english(result.factors[0])) == (
        "large",
        10,
        "A large exchange: usually tied to an incumbent vendor (set by hand: derivatives volume 10x spot "
        "(Bitget annual report 2025))",
    )


def test_size_thresholds_must_fall():
    with pytest.raises(ParameterError) as error:
        ScoringParameters.from_dict({"size_large_volume_btc": 1_000, "size_mid_volume_btc": 1_000})

    assert error.value.errors == {"size_large_volume_btc": "size thresholds must fall: large > mid-size > 0 BTC"}


def test_a_rival_running_its_ai_workloads_is_the_llm_opening():
    # given a mid-size exchange whose trading runs on Alibaba Cloud and whose AI workloads run 80% on AWS
    facts = ExchangeFacts(
        1,
        "Midex",
        size_tier_by_hand="mid",
        allocations=(
            alibaba_at(60),
            AllocationFact(id=12, vendor_id=2, vendor_name="AWS", workload="ai", share_percent=80),
            AllocationFact(id=13, vendor_id=3, vendor_name="Tencent Cloud", workload="ai", share_percent=20),
        ),
    )

    # when it is scored for a Tencent Cloud team
    result = score_exchange(facts, parameters=PARAMETERS, home=TENCENT, as_of=AS_OF)

    # then the AI allocation is its own factor, scaled by the rival's share, beside the share factors of "all"
    assert [(f.code, f.points, english(f), f.references) for f in result.factors][-1] == (
        "rival_ai_workload",
        8,
        "AWS runs 80% of its AI / LLM workloads: an opening for our LLM services",
        ("allocation:12",),
    )
    assert result.score == 56


def test_our_own_ai_workloads_and_a_tuned_weight():
    ours = AllocationFact(id=12, vendor_id=TENCENT.id, vendor_name="Tencent Cloud", workload="ai", share_percent=100)
    rival = AllocationFact(id=14, vendor_id=ALIBABA_ID, vendor_name="Alibaba Cloud", workload="ai", share_percent=50)

    def ai_points(allocations, parameters=PARAMETERS):
        result = score_exchange(
            ExchangeFacts(1, "Midex", allocations=allocations), parameters=parameters, home=TENCENT, as_of=AS_OF
        )
        return [f.points for f in result.factors if f.code == "rival_ai_workload"]

    # our own AI workloads open nothing; a rival's at 50% gives half the model's weight
    assert ai_points((ours,)) == []
    assert ai_points((rival,)) == [5]
    assert ai_points((rival,), ScoringParameters(rival_ai_workload_points=30)) == [15]


# --- outages by region --------------------------------------------------------------------------

AWS_ID = 2


def aws_in(region_code: str) -> AllocationFact:
    return AllocationFact(21, AWS_ID, "AWS", "trading_engine", 100, region_code)


def tokyo_outage(
    *, named: bool = False, region_code: str = "ap-northeast-1", region: str = "ap-northeast-1 (apne1-az4)"
) -> IncidentFact:
    return IncidentFact(
        signal_id=9,
        vendor_id=AWS_ID,
        vendor_name="AWS",
        region=region,
        occurred_at=AS_OF,
        severity=5,
        names_exchange=named,
        region_code=region_code,
        region_label="ap-northeast-1 (Tokyo)" if region_code else "",
    )


def incident_factors(allocation: AllocationFact, incident: IncidentFact, parameters=PARAMETERS):
    facts = ExchangeFacts(5, "Bybit", size_tier_by_hand="mid", allocations=(allocation,), incidents=(incident,))
    result = score_exchange(facts, parameters=parameters, home=TENCENT, as_of=AS_OF)
    return [(f.points, english(f)) for f in result.factors if f.code == "rival_incident"]


def test_an_aws_tokyo_outage_gives_nothing_to_an_exchange_hosted_in_aws_singapore():
    assert incident_factors(aws_in("ap-southeast-1"), tokyo_outage()) == []


def test_an_aws_tokyo_outage_counts_fully_for_an_exchange_hosted_in_tokyo():
    assert incident_factors(aws_in("ap-northeast-1"), tokyo_outage()) == [
        (
            20,
            "AWS ap-northeast-1 (Tokyo) outage on 2025-09-01 hit the vendor holding 100% of its allocations "
            "in that region",
        )
    ]


def test_an_outage_where_the_allocation_s_region_is_unknown_counts_at_the_model_s_weight():
    possibly = (
        "AWS ap-northeast-1 (Tokyo) outage on 2025-09-01 possibly affected (region unknown) "
        "the vendor holding 100% of its allocations, counted at {}%"
    )
    quarter = ScoringParameters(incident_unknown_region_percent=25)

    assert incident_factors(aws_in(""), tokyo_outage()) == [(10, possibly.format(50))]
    assert incident_factors(aws_in(""), tokyo_outage(), quarter) == [(5, possibly.format(25))]


def test_an_outage_whose_region_is_unknown_possibly_affects_every_region_of_the_vendor():
    outage = tokyo_outage(region_code="", region="one availability zone")
    assert incident_factors(aws_in("ap-southeast-1"), outage) == [
        (
            10,
            "AWS one availability zone outage on 2025-09-01 possibly affected (region unknown) the vendor "
            "holding 100% of its allocations, counted at 50%",
        )
    ]


def test_an_outage_whose_source_names_the_exchange_counts_whatever_the_regions():
    assert incident_factors(aws_in("ap-southeast-1"), tokyo_outage(named=True)) == [
        (20, "AWS ap-northeast-1 (Tokyo) outage on 2025-09-01 disrupted its trading")
    ]


def test_the_weight_of_a_possible_hit_is_a_percent():
    with pytest.raises(ParameterError) as refused:
        ScoringParameters.from_dict({"incident_unknown_region_percent": 101})
    assert refused.value.errors == {"incident_unknown_region_percent": "must be a percent between 0 and 100"}
