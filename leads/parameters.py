"""The weights, thresholds and half-lives of a scoring model, as a typed, validated value.

A ScoringModel stores them as JSON (so a manager can add a version without a migration); this
dataclass is the schema that JSON must match, and the value the pure scoring function reads."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


def json_kind(value: Any) -> str:
    """What a JSON value is, in words: for messages about a value of the wrong kind."""
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "null" if value is None else type(value).__name__


class ParameterError(ValueError):
    """A scoring model's parameters are invalid; `errors` maps a parameter name to what is wrong."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))


def _default_size_points() -> dict[str, int]:
    # Mid-size exchanges are the contested middle: large ones are locked into incumbents,
    # small ones spend little.
    return {"small": 5, "mid": 20, "large": 10, "unknown": 0}


@dataclass(frozen=True)
class ScoringParameters:
    """Everything a manager may tune. Points are whole numbers; shares and thresholds are percents."""

    size_points: dict[str, int] = field(default_factory=_default_size_points)
    # The size tier a market figure gives (24h volume in BTC, CoinGecko's normalized volume where
    # served, else the reported one): at or over `size_large_volume_btc` large, at or over
    # `size_mid_volume_btc` mid-size, else small. A tier set by hand wins. On CoinGecko's
    # 2023-01-07 reading these split the catalogue's matched exchanges about 1 : 2 : 2 (README).
    size_large_volume_btc: int = 10_000
    size_mid_volume_btc: int = 1_000
    # Rival share: points for the largest rival's share (scaled by share), a bonus when that
    # rival holds at least `displacement_share_percent`, and points for all rivals' share together.
    largest_rival_points: int = 20
    displacement_points: int = 10
    displacement_share_percent: int = 60
    displaceable_points: int = 10
    # Our own share: at or over `defend_share_percent` the account is one to defend, not a new logo.
    defend_share_percent: int = 80
    home_share_points: int = -10
    # Outages at a vendor the exchange uses: points at severity 5 and 100% share, halved every half-life.
    rival_incident_points: int = 20
    home_incident_points: int = -10
    incident_half_life_days: int = 180
    # An outage reaches an allocation in its region fully, one in another region not at all, and
    # one where either region is unknown ("possibly affected") at this percent (intel.outages).
    incident_unknown_region_percent: int = 50
    # Regulation in force that puts its licence status under pressure.
    relocation_points: int = 20
    regulation_points: int = 10
    # Licensed (or registered) in a major jurisdiction: the compliant exchanges late entrants target.
    major_licence_points: int = 10
    # A rival running the exchange's AI / LLM workloads: the opening for our own LLM services,
    # scaled by that rival's share of the AI workloads.
    rival_ai_workload_points: int = 10
    # AI / LLM interest and recent meetings decay too.
    ai_interest_points: int = 10
    ai_interest_half_life_days: int = 120
    engagement_points: int = 10
    engagement_half_life_days: int = 30
    # Grade thresholds: a score at or over `grade_a` is an A, and so on; below `grade_c` is a D.
    grade_a: int = 70
    grade_b: int = 50
    grade_c: int = 30
    # Person-level score: persona fit and engagement added to the exchange's score.
    persona_infrastructure_points: int = 15
    persona_executive_points: int = 10
    persona_engineer_points: int = 5
    person_engagement_points: int = 5

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ScoringParameters:
        """Build from stored JSON: missing names take their default, unknown names and wrong types are refused."""
        if data is not None and not isinstance(data, dict):
            raise ParameterError({"parameters": f"must be an object of names and values, not {json_kind(data)}"})
        data = dict(data or {})
        errors: dict[str, str] = {}
        known = {f.name: f for f in dataclasses.fields(cls)}
        for name in sorted(set(data) - set(known)):
            errors[name] = "is not a parameter of a scoring model"
        values: dict[str, Any] = {}
        for name, value in data.items():
            if name not in known:
                continue
            if name == "size_points":
                expected = set(_default_size_points())
                if (
                    not isinstance(value, dict)
                    or set(value) != expected
                    or not all(type(v) is int for v in value.values())
                ):
                    errors[name] = f"must give whole-number points for each of: {', '.join(sorted(expected))}"
                    continue
            elif type(value) is not int:
                errors[name] = f"must be a whole number, not {value!r}"
                continue
            values[name] = value
        if errors:
            raise ParameterError(errors)
        parameters = cls(**values)
        parameters.validate()
        return parameters

    def validate(self) -> None:
        errors: dict[str, str] = {}
        for name in ("displacement_share_percent", "defend_share_percent"):
            if not 0 < getattr(self, name) <= 100:
                errors[name] = "must be a percent between 1 and 100"
        if not 0 <= self.incident_unknown_region_percent <= 100:
            errors["incident_unknown_region_percent"] = "must be a percent between 0 and 100"
        if not self.size_large_volume_btc > self.size_mid_volume_btc > 0:
            errors["size_large_volume_btc"] = "size thresholds must fall: large > mid-size > 0 BTC"
        for name in ("incident_half_life_days", "ai_interest_half_life_days", "engagement_half_life_days"):
            if getattr(self, name) <= 0:
                errors[name] = "must be at least one day"
        if not 100 >= self.grade_a > self.grade_b > self.grade_c > 0:
            errors["grade_a"] = "grade thresholds must fall: 100 >= A > B > C > 0"
        if errors:
            raise ParameterError(errors)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def grade(self, score: int) -> str:
        if score >= self.grade_a:
            return "A"
        if score >= self.grade_b:
            return "B"
        if score >= self.grade_c:
            return "C"
        return "D"
