"""Regulatory pressure as of a date (pure)."""

import datetime

from intel.pressure import PresenceFact, RegulationFact, RegulatoryPressure, regulatory_pressures

DTSP = RegulationFact(
    id=1,
    jurisdiction_code="SG",
    name="DTSP regime",
    effective_on=datetime.date(2025, 6, 30),
    pressured_statuses=("unlicensed", "pending"),
    consequence="must stop serving clients abroad or leave",
    forces_relocation=True,
)
PRESENCES = [
    PresenceFact(1, "Bitget", "SG", "unlicensed"),
    PresenceFact(2, "BYDFi", "SG", "pending", datetime.date(2025, 9, 1)),
    PresenceFact(3, "Upbit", "SG", "licensed"),
    PresenceFact(4, "Bitbank", "JP", "unlicensed"),
]


def test_nothing_is_under_pressure_the_day_before_the_effective_date():
    assert regulatory_pressures(as_of=datetime.date(2025, 6, 29), regulations=[DTSP], presences=PRESENCES) == []


def test_on_the_effective_date_unlicensed_exchanges_there_are_pressed_with_the_reason():
    pressures = regulatory_pressures(as_of=datetime.date(2025, 6, 30), regulations=[DTSP], presences=PRESENCES)

    assert pressures == [
        RegulatoryPressure(
            exchange_id=1,
            exchange_name="Bitget",
            jurisdiction_code="SG",
            regulation_id=1,
            regulation_name="DTSP regime",
            licence_status="unlicensed",
            since=datetime.date(2025, 6, 30),
            reason="unlicensed in SG under DTSP regime (in force since 2025-06-30): "
            "must stop serving clients abroad or leave",
            forces_relocation=True,
        )
    ]


def test_an_exchange_arriving_after_the_effective_date_is_pressed_from_its_arrival():
    pressures = regulatory_pressures(as_of=datetime.date(2025, 10, 1), regulations=[DTSP], presences=PRESENCES)

    assert [(p.exchange_name, p.licence_status, p.since) for p in pressures] == [
        ("BYDFi", "pending", datetime.date(2025, 9, 1)),
        ("Bitget", "unlicensed", datetime.date(2025, 6, 30)),
    ]
