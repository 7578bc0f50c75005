"""The client on the wire: sign-in flows, limits, retries and timeouts, against the fake org."""

import time

import jwt
import pytest

from leads.salesforce.auth import ClientCredentialsAuth, JwtBearerAuth, SalesforceAuthError
from leads.salesforce.client import (
    SalesforceClient,
    SalesforceLimitError,
    SalesforceRequestError,
    SalesforceUnavailable,
)
from tests.salesforce.conftest import CLIENT_ID, USERNAME


def jwt_client(fake, private_key, **options) -> SalesforceClient:
    auth = JwtBearerAuth(
        login_url=fake.url, client_id=CLIENT_ID, username=USERNAME, private_key=private_key, audience=fake.url
    )
    return SalesforceClient(auth=auth, retry_base_seconds=0.001, **options)


def test_the_jwt_bearer_flow_sends_a_signed_assertion_with_the_documented_claims(fake_salesforce, key_pair):
    # given a client with the connected app's private key
    client = jwt_client(fake_salesforce, key_pair[0])

    # when it signs in
    session = client.sign_in()

    # then it posted the JWT bearer grant, and the assertion's claims verify with the public key
    [form] = fake_salesforce.token_requests
    assert form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    claims = jwt.decode(form["assertion"], key_pair[1], algorithms=["RS256"], audience=fake_salesforce.url)
    assert (claims["iss"], claims["sub"], claims["aud"]) == (CLIENT_ID, USERNAME, fake_salesforce.url)
    assert claims["exp"] - time.time() == pytest.approx(170, abs=5)
    assert session.instance_url == fake_salesforce.url


def test_an_assertion_signed_with_another_key_is_refused_with_salesforces_reason(fake_salesforce):
    # given a client holding a key the connected app does not know
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    client = jwt_client(fake_salesforce, other.decode())

    # when it signs in, then it is refused
    with pytest.raises(SalesforceAuthError) as refused:
        client.sign_in()
    assert str(refused.value) == (
        "Salesforce refused the sign-in (HTTP 400): invalid assertion: Signature verification failed"
    )


def test_the_client_credentials_flow_posts_the_key_and_secret(fake_salesforce):
    # given a client with the connected app's key and secret
    auth = ClientCredentialsAuth(login_url=fake_salesforce.url, client_id=CLIENT_ID, client_secret="s3cret")

    # when it calls the API
    limits = SalesforceClient(auth=auth).limits()

    # then it signed in with client credentials, and the call went through
    assert fake_salesforce.token_requests == [
        {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": "s3cret"}
    ]
    assert limits == {"DailyApiRequests": {"Max": 15000, "Remaining": 14999}}


def test_a_503_is_retried_with_exponential_backoff_and_jitter(fake_salesforce, key_pair):
    # given an org answering 503 twice
    delays = []
    client = jwt_client(fake_salesforce, key_pair[0], sleep=delays.append, jitter=lambda: 0.5)
    client.retry_base_seconds = 1.0
    fake_salesforce.fail_next("503", "503")

    # when the client calls it
    client.limits()

    # then it waited 0.75 s then 1.5 s (half fixed, half jitter, doubling) and got through on the third try
    assert delays == [0.75, 1.5]
    assert (client.calls, client.retries) == (3, 2)


def test_a_timeout_is_retried_and_every_call_has_one(fake_salesforce, key_pair):
    # given an org slower than the client's timeout once
    fake_salesforce.timeout_delay = 0.5
    client = jwt_client(fake_salesforce, key_pair[0], timeout_seconds=0.2)
    fake_salesforce.fail_next("timeout")

    # when the client calls it, then the second attempt answers
    assert client.limits()["DailyApiRequests"]["Max"] == 15000
    assert client.events[0].startswith("ReadTimeout on GET /services/data/v62.0/limits: retry 1 in ")


def test_after_the_last_retry_the_client_gives_up(fake_salesforce, key_pair):
    client = jwt_client(fake_salesforce, key_pair[0], max_retries=1)
    fake_salesforce.fail_next("503", "503")
    with pytest.raises(SalesforceUnavailable) as gave_up:
        client.limits()
    assert str(gave_up.value) == "HTTP 503 on GET /services/data/v62.0/limits; gave up after 2 attempts"


def test_a_second_401_in_a_row_is_not_retried(fake_salesforce, key_pair):
    client = jwt_client(fake_salesforce, key_pair[0])
    fake_salesforce.fail_next("401", "401")
    with pytest.raises(SalesforceRequestError) as refused:
        client.limits()
    assert (refused.value.status, refused.value.code) == (401, "INVALID_SESSION_ID")
    assert len(fake_salesforce.token_requests) == 2


def test_request_limit_exceeded_is_not_retried(fake_salesforce, key_pair):
    client = jwt_client(fake_salesforce, key_pair[0])
    fake_salesforce.fail_next("limit")
    with pytest.raises(SalesforceLimitError):
        client.limits()
    assert (client.calls, client.retries) == (1, 0)


def test_the_budget_share_is_read_from_every_answer(fake_salesforce, key_pair):
    # given an org at 79.99% of its budget
    fake_salesforce.org.api_limit, fake_salesforce.org.api_used = 10_000, 7_999
    client = jwt_client(fake_salesforce, key_pair[0])

    # when one call brings it to 80%
    client.limits()

    # then the client has seen it, and refuses the next call without sending it
    assert (client.usage.used, client.usage.limit) == (8_000, 10_000)
    with pytest.raises(SalesforceLimitError):
        client.limits()
    assert len(fake_salesforce.requests) == 1


def test_a_collection_never_exceeds_two_hundred_records(fake_salesforce, key_pair):
    client = jwt_client(fake_salesforce, key_pair[0])
    with pytest.raises(ValueError, match="1 to 200 records, not 201"):
        client.collection_upsert("Account", "Exchange_Intel_Key__c", [{"Name": str(n)} for n in range(201)])
    assert fake_salesforce.requests == []
