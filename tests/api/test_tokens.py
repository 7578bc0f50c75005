"""Named API tokens: shown once, stored hashed, read-only or read-write, revocable, last use recorded."""

import hashlib

import pytest
from rest_framework.test import APIClient

from crm.choices import RepRole
from crm.models import ApiToken
from crm.services import service_account_create
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


def test_a_new_token_is_shown_once_and_only_its_hash_is_stored(cast):
    client = client_for(cast["japan"])

    created = client.post("/api/v1/tokens/", {"name": "Salesforce sync", "access": "read"})
    listed = client.get("/api/v1/tokens/").json()["results"]

    key = created.json()["key"]
    token = ApiToken.objects.get()
    assert created.status_code == 201
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key.startswith(f"ei_{token.key_prefix}_")
    assert [(row["name"], row["access"], row["is_active"]) for row in listed] == [("Salesforce sync", "read", True)]
    assert "key" not in listed[0]


def test_a_token_authenticates_and_records_when_it_was_last_used(cast):
    key = client_for(cast["japan"]).post("/api/v1/tokens/", {"name": "tool", "access": "read"}).json()["key"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    response = client.get("/api/v1/exchanges/")

    assert response.status_code == 200
    assert [row["slug"] for row in response.json()["results"]] == ["bitflyer", "bybit"]
    assert ApiToken.objects.get().last_used_at is not None


def test_a_revoked_token_answers_401_at_once(cast):
    owner = client_for(cast["japan"])
    created = owner.post("/api/v1/tokens/", {"name": "tool", "access": "write"}).json()
    tool = APIClient()
    tool.credentials(HTTP_AUTHORIZATION=f"Token {created['key']}")
    assert tool.get("/api/v1/exchanges/").status_code == 200

    revoked = owner.post(f"/api/v1/tokens/{created['id']}/revoke/")

    assert revoked.status_code == 200
    assert revoked.json()["is_active"] is False
    assert tool.get("/api/v1/exchanges/").status_code == 401


def test_a_user_never_sees_or_revokes_another_users_token(cast):
    created = client_for(cast["japan"]).post("/api/v1/tokens/", {"name": "tool", "access": "write"}).json()

    response = client_for(cast["singapore"]).post(f"/api/v1/tokens/{created['id']}/revoke/")

    assert response.status_code == 404
    assert ApiToken.objects.get().revoked_at is None


def test_a_garbled_token_answers_401(cast):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-key")

    response = client.get("/api/v1/exchanges/")

    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid, revoked or expired token."}


def test_a_service_account_uses_tokens_and_cannot_log_in(cast):
    user = service_account_create(username="salesforce", role=RepRole.MANAGER)

    logged_in = APIClient().login(username="salesforce", password="")
    tool = client_for(user, token_access="read")

    assert logged_in is False
    assert user.has_usable_password() is False
    assert len(tool.get("/api/v1/exchanges/").json()["results"]) == 4


@pytest.fixture
def cache_down():
    """The cache pointed at a loopback port nothing listens on (Redis down)."""
    import socket

    from django.test import override_settings

    from crm.cache import shared_cache

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    closed = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    shared_cache.reset()
    with override_settings(CACHES=closed):
        yield port
    shared_cache.reset()


def test_with_redis_down_a_token_still_authenticates_from_the_database_and_a_revoked_one_is_refused(
    cast, cache_down, caplog
):
    # given a live token and a revoked one, issued while the cache is unreachable
    from crm.api.authentication import WORKER_TOKENS
    from crm.cache import shared_cache
    from tests.api.conftest import READ

    live = client_for(cast["japan"], token_access=READ)
    revoked = client_for(cast["japan"], token_access=READ, revoked=True)
    WORKER_TOKENS.entries.clear()

    # when each asks for the exchanges
    answered = live.get("/api/v1/exchanges/")
    refused = revoked.get("/api/v1/exchanges/")

    # then the live one is answered from PostgreSQL, the revoked one refused, and the log says why once
    assert answered.status_code == 200
    assert [row["slug"] for row in answered.json()["results"]] == ["bitflyer", "bybit"]
    assert refused.status_code == 401
    assert refused.json() == {"detail": "Invalid, revoked or expired token."}
    assert caplog.text.count("The cache is unreachable") == 1
    assert shared_cache.failures >= 3  # lookup, store and rate-limit counter, each found the cache down


def test_with_redis_down_revoking_a_token_works_and_refuses_it(cast, cache_down):
    owner = client_for(cast["japan"])
    created = owner.post("/api/v1/tokens/", {"name": "tool", "access": "write"}).json()
    tool = APIClient()
    tool.credentials(HTTP_AUTHORIZATION=f"Token {created['key']}")
    assert tool.get("/api/v1/exchanges/").status_code == 200

    revoked = owner.post(f"/api/v1/tokens/{created['id']}/revoke/")

    assert revoked.status_code == 200
    assert ApiToken.objects.get().revoked_at is not None
    assert tool.get("/api/v1/exchanges/").status_code == 401
