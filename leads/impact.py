"""What a change to the scoring model would do, before anyone activates it: how many exchanges change
grade and which move most. Both the active and the proposed parameters score the same facts as of the
same moment, so the comparison shows the parameters' effect alone (not decay since the last rescore)."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass

from leads.facts import load_facts
from leads.parameters import ScoringParameters
from leads.scoring import score_exchange

TOP_MOVES = 10


@dataclass(frozen=True)
class ScoreMove:
    exchange_id: int
    name: str
    old_score: int
    old_grade: str
    new_score: int
    new_grade: str

    @property
    def delta(self) -> int:
        return self.new_score - self.old_score


@dataclass(frozen=True)
class ModelImpact:
    exchanges: int
    grade_changes: int
    upgrades: int
    downgrades: int
    transitions: list[tuple[str, str, int]]  # (old grade, new grade, how many), grade changes only
    moves: list[ScoreMove]  # the biggest moves, largest first


def impact_compare(
    *, facts, home, current: ScoringParameters, proposed: ScoringParameters, as_of: datetime.datetime, top: int
) -> ModelImpact:
    """Pure: score every exchange's facts under both parameter sets and summarise the difference."""
    moves: list[ScoreMove] = []
    for exchange_facts in facts:
        old = score_exchange(exchange_facts, parameters=current, home=home, as_of=as_of)
        new = score_exchange(exchange_facts, parameters=proposed, home=home, as_of=as_of)
        moves.append(
            ScoreMove(exchange_facts.exchange_id, exchange_facts.name, old.score, old.grade, new.score, new.grade)
        )
    changed = [m for m in moves if m.old_grade != m.new_grade]
    transitions = Counter((m.old_grade, m.new_grade) for m in changed)
    biggest = sorted((m for m in moves if m.delta), key=lambda m: (-abs(m.delta), m.name))[:top]
    return ModelImpact(
        exchanges=len(moves),
        grade_changes=len(changed),
        upgrades=sum(1 for m in changed if m.new_grade < m.old_grade),  # "A" < "B": a better grade
        downgrades=sum(1 for m in changed if m.new_grade > m.old_grade),
        transitions=sorted((old, new, count) for (old, new), count in transitions.items()),
        moves=biggest,
    )


def scoring_model_impact(
    *, current: ScoringParameters, proposed: ScoringParameters, as_of: datetime.datetime, top: int = TOP_MOVES
) -> ModelImpact:
    """Load every exchange's facts (a fixed number of queries) and compare the two parameter sets."""
    loaded = load_facts(exchange_ids=None, as_of=as_of)
    return impact_compare(
        facts=loaded.exchanges, home=loaded.home, current=current, proposed=proposed, as_of=as_of, top=top
    )
