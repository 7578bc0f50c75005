"""Regulatory pressure as of a date: the pure rule, and the score, page and Salesforce account that use it."""

import datetime

import pytest
from django.utils import timezone

from intel.pressure import PresenceFact, RegulationFact, RegulatoryPressure, regulatory_pressures
from leads.models import Score
from leads.salesforce.sources import account_values
from leads.sentences import factor_sentence
from leads.services import scores_rescore
from tests.crm.factories import PresenceFactory, UserFactory, jurisdiction
from tests.leads.factories import exchange_on, singapore_dtsp

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
            effective_on=datetime.date(2025, 6, 30),
            regulation_short_name="DTSP regime",
        )
    ]


def test_an_exchange_arriving_after_the_effective_date_is_pressed_from_its_arrival():
    pressures = regulatory_pressures(as_of=datetime.date(2025, 10, 1), regulations=[DTSP], presences=PRESENCES)

    assert [(p.exchange_name, p.licence_status, p.since) for p in pressures] == [
        ("BYDFi", "pending", datetime.date(2025, 9, 1)),
        ("Bitget", "unlicensed", datetime.date(2025, 6, 30)),
    ]


def test_an_exchange_that_arrived_after_the_regulation_is_pressed_from_its_arrival_only():
    pending_since_september = PresenceFact(2, "BYDFi", "SG", "pending", datetime.date(2025, 9, 1))

    before = regulatory_pressures(
        as_of=datetime.date(2025, 8, 31), regulations=[DTSP], presences=[pending_since_september]
    )
    after = regulatory_pressures(
        as_of=datetime.date(2025, 9, 1), regulations=[DTSP], presences=[pending_since_september]
    )

    assert before == []
    assert [(p.exchange_name, p.since, p.effective_on) for p in after] == [
        ("BYDFi", datetime.date(2025, 9, 1), datetime.date(2025, 6, 30))
    ]


@pytest.fixture
def arrivals(db):
    """DTSP in force in Singapore since 2025-06-30; one pending exchange arrived there ten days ago, another
    arrives in twenty days. Both scored now."""
    today = timezone.now().date()
    regulation = singapore_dtsp()
    arrived = exchange_on("arrivex", {"aws": 50})
    planned = exchange_on("plannex", {"aws": 50})
    for exchange, since in (
        (arrived, today - datetime.timedelta(days=10)),
        (planned, today + datetime.timedelta(days=20)),
    ):
        PresenceFactory(exchange=exchange, jurisdiction=jurisdiction("SG"), licence_status="pending", since=since)
    scores_rescore(exchange_ids=[arrived.pk, planned.pk])
    return {"today": today, "regulation": regulation, "arrived": arrived, "planned": planned}


def test_scoring_the_page_and_salesforce_count_pressure_from_the_day_the_exchange_arrived(arrivals, client):
    today, arrived, planned = arrivals["today"], arrivals["arrived"], arrivals["planned"]
    arrival = today - datetime.timedelta(days=10)
    client.force_login(UserFactory(username="keeper", is_superuser=True))

    # scoring: the exchange that arrived is pressed since its arrival; the one still to arrive is not
    sentences = {f["code"]: factor_sentence(f, "en") for f in Score.objects.get(exchange=arrived).factors}
    assert sentences["relocation"] == (
        f"Singapore's DTSP regime (in force since 2025-06-30) since it arrived on {arrival:%Y-%m-%d} "
        "and its licence is pending: it must relocate"
    )
    assert [f["code"] for f in Score.objects.get(exchange=planned).factors if f["code"] == "relocation"] == []

    # the exchange page
    page = client.get("/exchanges/arrivex/").content.decode()
    assert f"since {arrival.day} {arrival:%b %Y}: pending in SG under Digital token service providers regime" in page
    planned_page = client.get("/exchanges/plannex/").content.decode()
    assert f'id="regulation-{arrivals["regulation"].pk}"' not in planned_page

    # the Salesforce account
    accounts = account_values([arrived.pk, planned.pk], today=today)
    assert accounts[arrived.pk]["compliance_pressure"] == (
        f"SG: pending under DTSP regime (in force since 2025-06-30), here since {arrival}"
    )
    assert accounts[planned.pk]["compliance_pressure"] == ""
