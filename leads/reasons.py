"""Which of a score's factors a rep reads first: the one-line reason and the top reasons.

Over the stored factor JSON (code, points, message and parameters), so the lists, Today, the CSV export,
the API and Salesforce's top reasons all read the same order; the sentences they return are rendered in
the reader's language by leads.sentences (the active language unless one is given). The order explains the grade:
1. a hard stop (do not pursue, banned only) is the whole story;
2. then the evidence that adds points, largest first (a rival's share, an outage, a regulation);
3. then the size tier when it adds points: every mid-size account shares it, so it explains the
   grade only when nothing more particular does;
4. then what takes points away, largest first;
5. then what scores nothing but a rep must know (the allocation is unknown: research needed),
   an unknown size last.
"""

from __future__ import annotations

from collections.abc import Sequence

from leads.sentences import factor_sentence, factors_in

HARD_STOPS = frozenset({"do_not_pursue", "banned_only"})
# Factors that describe the kind of account rather than why this one is worth a call now.
BASELINE = frozenset({"size"})
# How many reasons a list row or an export shows.
TOP_REASONS = 3


def _rank(factor: dict) -> tuple[int, int]:
    code = factor.get("code") or ""
    points = factor.get("points") or 0
    if code in HARD_STOPS:
        return 0, 0
    if points > 0 and code not in BASELINE:
        return 1, -points
    if points > 0:
        return 2, -points
    if points < 0:
        return 3, points
    return (5 if code in BASELINE else 4), 0


def reasons_ranked(factors: Sequence[dict] | None) -> list[dict]:
    """The factors in the order a rep reads them (see the module's docstring); ties keep the score's order."""
    return sorted(factors or [], key=_rank)


def reasons_top(factors: Sequence[dict] | None, *, limit: int = TOP_REASONS, language: str | None = None) -> list[dict]:
    """The first reasons (code, points, references, ...), each `sentence` rendered in `language`."""
    return factors_in(reasons_ranked(factors)[:limit], language)


def reason_line(factors: Sequence[dict] | None, language: str | None = None) -> str:
    """The one-line reason: the sentence, in `language`, of the factor that best explains the grade;
    empty only for a score without factors."""
    ranked = reasons_ranked(factors)
    return factor_sentence(ranked[0], language) if ranked else ""
