"""Fixtures for the page tests: a small sales world built at a chosen size, and logged-in clients."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.choices import LicenceStatus, RepRole
from crm.models import Activity, Allocation, Contact, Presence
from intel.choices import MatchMethod, MatchStatus
from intel.models import Attendee, Signal
from leads.models import FollowUp
from leads.services import scores_rescore
from tests.crm.factories import ExchangeFactory, RepFactory, UserFactory, jurisdiction, vendor
from tests.intel.factories import EventFactory

PASSWORD = "correct horse battery staple"


@pytest.fixture
def eager_celery():
    """Run the rescoring task in-process, as the embedded default does, so a page shows the new score."""
    from crm.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = previous


@pytest.fixture
def team(db):
    japan = RepFactory(user=UserFactory(username="kenji", first_name="Kenji", last_name="Sato"))
    japan.territories.set([jurisdiction("JP")])
    singapore = RepFactory(user=UserFactory(username="priya", first_name="Priya", last_name="Nair"))
    singapore.territories.set([jurisdiction("SG")])
    manager = RepFactory(user=UserFactory(username="mei", first_name="Mei", last_name="Lin"), role=RepRole.MANAGER)
    return {"japan": japan.user, "singapore": singapore.user, "manager": manager.user}


def build_world(team, size: int) -> dict:
    """`size` exchanges in Japan with allocations, presences, contacts, activities, a signal each, people met
    at an event (one to review each), follow-ups and scores; plus one exchange the Japan rep owns outside
    every territory (private to them)."""
    now = timezone.now()
    event = EventFactory(
        starts_on=(now - datetime.timedelta(days=3)).date(), ends_on=(now - datetime.timedelta(days=3)).date()
    )
    exchanges = add_exchanges(team, event, start=0, count=size)
    private = ExchangeFactory(name="Kenji's Private Exchange", slug="private-one", headquarters=jurisdiction("BR"))
    private.owner = team["japan"]
    private.save()
    scores_rescore(as_of=now)
    return {"event": event, "exchanges": exchanges, "private": private}


def add_exchanges(team, event, *, start: int, count: int) -> list:
    now = timezone.now()
    exchanges = []
    for index in range(start, start + count):
        exchange = ExchangeFactory(
            name=f"Tokyo Exchange {index}",
            slug=f"tokyo-{index}",
            headquarters=jurisdiction("JP"),
            size_tier_by_hand="mid",
        )
        Allocation.objects.create(
            exchange=exchange,
            vendor=vendor("alibaba-cloud"),
            share_percent=Decimal("60"),
            evidence_source="news",
            observed_on=datetime.date(2025, 8, 1),
        )
        Allocation.objects.create(
            exchange=exchange,
            vendor=vendor("tencent-cloud"),
            share_percent=Decimal("20"),
            evidence_source="rep_estimate",
            observed_on=datetime.date(2025, 8, 1),
        )
        Presence.objects.create(
            exchange=exchange, jurisdiction=jurisdiction("JP"), licence_status=LicenceStatus.LICENSED
        )
        contact = Contact.objects.create(
            exchange=exchange, full_name=f"Person {index}", email=f"p{index}@tokyo.example"
        )
        Activity.objects.create(
            exchange=exchange,
            contact=contact,
            rep=team["japan"],
            kind="call",
            occurred_at=now - datetime.timedelta(days=20),
            summary=f"Intro call {index}",
        )
        signal = Signal.objects.create(
            kind="ai_interest",
            title=f"Asks about LLM hosting {index}",
            occurred_at=now - datetime.timedelta(days=1),
            source_note="Rep note",
        )
        signal.exchanges.set([exchange])
        matched = Attendee.objects.create(
            event=event,
            full_name=f"Met Person {index}",
            company=exchange.name,
            dedupe_key=f"met-{index}",
            exchange=exchange,
            match_status=MatchStatus.MATCHED,
            match_method=MatchMethod.ALIAS,
            match_confidence=100,
        )
        Attendee.objects.create(
            event=event,
            full_name=f"Unsure Person {index}",
            company=f"Tokio Exch {index}",
            dedupe_key=f"unsure-{index}",
            exchange=exchange,
            match_status=MatchStatus.REVIEW,
            match_method=MatchMethod.FUZZY_NAME,
            match_confidence=70,
            match_candidates=[{"exchange_id": exchange.pk, "name": exchange.name, "confidence": 70}],
        )
        FollowUp.objects.create(
            attendee=matched,
            event=matched.event,
            assignee=team["japan"],
            due_at=now - datetime.timedelta(hours=index + 1),
            person_score=50 + index,
        )
        exchanges.append(exchange)
    return exchanges


@pytest.fixture
def world(team):
    return build_world(team, 3)


@pytest.fixture
def japan_client(client, team):
    client.force_login(team["japan"])
    return client


@pytest.fixture
def manager_client(client, team):
    client.force_login(team["manager"])
    return client
