"""The API's cast: a manager, a rep for Japan who owns one account, a rep for Singapore, tokens."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from crm.choices import RepRole, TokenAccess
from crm.services import api_token_create
from tests.crm.factories import ExchangeFactory, PresenceFactory, RepFactory, jurisdiction


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
