"""Shared fixtures: service availability (PostgreSQL, Redis) and common test data."""

import os

import pytest

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def need_service(reason: str) -> None:
    """Skip a test that needs a real service, or fail it when REQUIRE_SERVICES=1 (CI)."""
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def redis_url() -> str:
    """The Redis URL of a reachable server, or a skip (a failure under REQUIRE_SERVICES=1)."""
    url = os.environ.get("REDIS_URL", "")
    if not url:
        need_service("REDIS_URL is not set: this test needs a real Redis")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        need_service(f"Redis at {url} is not reachable: {error}")
    return url


@pytest.fixture
def postgresql(db, django_db_blocker) -> None:
    """Run only on PostgreSQL (skipped on SQLite, failing under REQUIRE_SERVICES=1)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        need_service("DATABASE_URL does not point at PostgreSQL: this test needs it")


@pytest.fixture
def home_vendor_slug(settings) -> str:
    settings.CRM_HOME_VENDOR = "tencent-cloud"
    return settings.CRM_HOME_VENDOR


_SERIALIZED_CONTENTS: dict[str, str] = {}


@pytest.fixture(autouse=True)
def _keep_serialized_database_contents():
    """Django keeps the database's serialized contents (for serialized rollback) on the connection
    object, which is per context: after a test that switches contexts (the browser tests' event
    loop) the next test may get a fresh connection object without them. Keep a copy and put it back."""
    from django.db import connections

    for alias in connections:
        connection = connections[alias]
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents is not None:
            _SERIALIZED_CONTENTS[alias] = contents
        elif alias in _SERIALIZED_CONTENTS:
            connection._test_serialized_contents = _SERIALIZED_CONTENTS[alias]


@pytest.fixture
def transactional_db(django_db_serialized_rollback, transactional_db):
    """A test that commits for real ends with every table flushed, migration-seeded rows included
    (vendors, jurisdictions, the first scoring model). Serialized rollback reloads them before each
    such test, so every test starts from the same reference data whatever ran before it."""
    return transactional_db


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """A request in Japanese leaves its language active in the thread (LocaleMiddleware activates, nothing
    deactivates): each test starts, and ends, in the default language, as a worker process would."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
