"""The impact of a scoring model change, before it is activated."""

import datetime

import pytest

from leads.impact import impact_compare, scoring_model_impact
from leads.parameters import ScoringParameters
from leads.scoring import AllocationFact, ExchangeFacts, HomeVendor
from tests.leads.factories import exchange_on

AS_OF = datetime.datetime(2025, 9, 1, tzinfo=datetime.UTC)
HOME = HomeVendor(5, "Tencent Cloud")


def facts(exchange_id: int, name: str, rival_share: float, size: str = "mid") -> ExchangeFacts:
    return ExchangeFacts(
        exchange_id=exchange_id,
        name=name,
        size_tier_by_hand=size,
        allocations=(AllocationFact(exchange_id * 10, 1, "Alibaba Cloud", "all", rival_share),),
    )


def test_raising_a_weight_counts_grade_changes_and_lists_the_biggest_moves_first():
    current = ScoringParameters()
    proposed = ScoringParameters.from_dict({"largest_rival_points": 60})
    exchanges = [facts(1, "OKX", 60.0), facts(2, "Gate", 30.0), facts(3, "Small", 10.0, size="small")]

    impact = impact_compare(facts=exchanges, home=HOME, current=current, proposed=proposed, as_of=AS_OF, top=2)

    assert (impact.exchanges, impact.grade_changes, impact.upgrades, impact.downgrades) == (3, 2, 2, 0)
    assert [(m.name, m.old_score, m.new_score, m.delta) for m in impact.moves] == [
        ("OKX", 48, 72, 24),
        ("Gate", 29, 41, 12),
    ]
    assert impact.transitions == [("C", "A", 1), ("D", "C", 1)]


def test_the_same_parameters_change_nothing():
    exchanges = [facts(1, "OKX", 60.0)]
    parameters = ScoringParameters()

    impact = impact_compare(facts=exchanges, home=HOME, current=parameters, proposed=parameters, as_of=AS_OF, top=5)

    assert (impact.grade_changes, impact.moves) == (0, [])


@pytest.mark.django_db
def test_the_impact_loads_every_exchange_from_the_database():
    exchange_on("okx", {"alibaba-cloud": 60})
    exchange_on("bybit", {"aws": 90}, size_tier="large")

    impact = scoring_model_impact(
        current=ScoringParameters(), proposed=ScoringParameters.from_dict({"displacement_points": 30}), as_of=AS_OF
    )

    assert impact.exchanges == 2
    assert sorted((m.name, m.delta) for m in impact.moves) == [("Bybit", 20), ("Okx", 20)]
