"""The API's cast: a manager, a rep for Japan who owns one account, a rep for Singapore, tokens."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from crm.choices import RepRole, TokenAccess
from crm.services import api_token_create
from intel.models import Attendee, Signal
from leads.models import FollowUp, Score, ScoreChange
from tests.crm.factories import (
    ActivityFactory,
    AllocationFactory,
    ContactFactory,
    ExchangeFactory,
    PresenceFactory,
    RepFactory,
    jurisdiction,
)
from tests.intel.factories import EventFactory


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_throttle_budget():
    # Rate-limit counters live in the cache (Redis when configured): start every test afresh.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def cast(db):
    """Japan rep owns bitFlyer, sees Bybit (present in JP); Singapore rep sees Coinhako; the manager all.
    Kraken (US, unowned) is visible to the manager only."""
    japan = RepFactory(user__username="rep.japan", territories=[jurisdiction("JP")])
    singapore = RepFactory(user__username="rep.singapore", territories=[jurisdiction("SG")])
    manager = RepFactory(user__username="manager", role=RepRole.MANAGER)
    bitflyer = ExchangeFactory(name="bitFlyer", slug="bitflyer", headquarters=jurisdiction("JP"), owner=japan.user)
    bybit = ExchangeFactory(name="Bybit", slug="bybit", headquarters=jurisdiction("AE"))
    PresenceFactory(exchange=bybit, jurisdiction=jurisdiction("JP"))
    coinhako = ExchangeFactory(name="Coinhako", slug="coinhako", headquarters=jurisdiction("SG"), owner=singapore.user)
    kraken = ExchangeFactory(name="Kraken", slug="kraken", headquarters=jurisdiction("US"))
    return {
        "japan": japan.user,
        "singapore": singapore.user,
        "manager": manager.user,
        "bitflyer": bitflyer,
        "bybit": bybit,
        "coinhako": coinhako,
        "kraken": kraken,
    }


def client_for(user=None, *, token_access: str | None = None, revoked: bool = False) -> APIClient:
    """A client signed in by session, or by a token of the given access (optionally revoked)."""
    client = APIClient()
    if user is None:
        return client
    if token_access is None:
        client.force_login(user)
        return client
    issued = api_token_create(user=user, name=f"tool-{token_access}-{revoked}", access=token_access)
    if revoked:
        issued.token.revoke()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issued.key}")
    return client


@pytest.fixture
def as_user():
    return client_for


READ, WRITE = TokenAccess.READ, TokenAccess.WRITE


WHEN = datetime.datetime(2025, 8, 25, 10, tzinfo=datetime.UTC)


def evidence_for(exchange, *, recorded_by) -> dict:
    """One object of every exchange-scoped kind, tied to this exchange."""
    presence = exchange.presences.first() or PresenceFactory(exchange=exchange, jurisdiction=exchange.headquarters)
    allocation = AllocationFactory(exchange=exchange, share_percent=Decimal("60"))
    contact = ContactFactory(exchange=exchange, full_name=f"Contact at {exchange.name}")
    activity = ActivityFactory(exchange=exchange, rep=recorded_by, summary=f"Call with {exchange.name}")
    signal = Signal.objects.create(
        kind="meeting", title=f"Met {exchange.name}", occurred_at=WHEN, recorded_by=recorded_by
    )
    signal.exchanges.set([exchange])
    event = EventFactory()
    attendee = Attendee.objects.create(
        event=event,
        full_name=f"Attendee of {exchange.name}",
        company=exchange.name,
        exchange=exchange,
        match_status="matched",
        dedupe_key=f"key-{exchange.slug}",
    )
    follow_up = FollowUp.objects.create(
        attendee=attendee, event=attendee.event, due_at=WHEN + datetime.timedelta(days=2)
    )
    Score.objects.create(
        exchange=exchange,
        score=50 + exchange.pk % 40,
        grade="B",
        factors=[{"code": "demo", "points": 5, "sentence": "A reason.", "references": []}],
        model_version=1,
        as_of=WHEN,
        computed_at=WHEN,
    )
    change = ScoreChange.objects.create(
        exchange=exchange,
        new_score=50 + exchange.pk % 40,
        new_grade="B",
        model_version=1,
        cause="manual",
        as_of=WHEN,
        created_at=WHEN,
    )
    return {
        "exchanges": exchange.slug,
        "presences": presence.pk,
        "allocations": allocation.pk,
        "contacts": contact.pk,
        "activities": activity.pk,
        "signals": signal.pk,
        "attendees": attendee.pk,
        "follow-ups": follow_up.pk,
        "score-changes": change.pk,
    }


@pytest.fixture
def world(cast):
    """Every exchange-scoped resource, once per exchange of the cast."""
    return {
        slug: evidence_for(cast[slug], recorded_by=cast[owner])
        for slug, owner in (
            ("bitflyer", "japan"),
            ("bybit", "manager"),
            ("coinhako", "singapore"),
            ("kraken", "manager"),
        )
    }
