"""Fixtures for the Salesforce sync: a test key pair, the fake org on loopback, and settings pointing at it."""

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.cache import cache

from tests.salesforce.fake.server import FakeSalesforce

CLIENT_ID = "3MVG9-test-connected-app"
USERNAME = "intel-sync@example.com"


@pytest.fixture(scope="session")
def key_pair() -> tuple[str, str]:
    """(private PEM, public PEM), generated for this test session: no key is kept in the repository."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@pytest.fixture
def fake_salesforce(key_pair):
    with FakeSalesforce(client_id=CLIENT_ID, username=USERNAME, public_key=key_pair[1], client_secret="s3cret") as fake:
        yield fake


@pytest.fixture
def salesforce(settings, fake_salesforce, key_pair):
    """The product configured for the fake org (JWT bearer flow), with fast retries."""
    settings.SALESFORCE_LOGIN_URL = fake_salesforce.url
    settings.SALESFORCE_CLIENT_ID = CLIENT_ID
    settings.SALESFORCE_USERNAME = USERNAME
    settings.SALESFORCE_PRIVATE_KEY = key_pair[0]
    settings.SALESFORCE_PRIVATE_KEY_FILE = ""
    settings.SALESFORCE_CLIENT_SECRET = ""
    settings.SALESFORCE_AUDIENCE = ""
    settings.SALESFORCE_TIMEOUT_SECONDS = 5.0
    settings.SALESFORCE_RETRY_BASE_SECONDS = 0.001
    settings.SALESFORCE_BULK_POLL_SECONDS = 0.001
    settings.SALESFORCE_BULK_THRESHOLD = 2000
    settings.SALESFORCE_BUDGET_SHARE = 0.8
    cache.clear()  # describe() answers are cached per org URL; ports are reused across tests
    yield fake_salesforce
    cache.clear()
