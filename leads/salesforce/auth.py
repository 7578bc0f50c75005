"""Server-to-server sign-in to Salesforce: the OAuth 2.0 JWT bearer flow, or client credentials.

Neither flow has a refresh token: when a session expires (401), the client mints a new assertion
or asks again with the client secret."""

from __future__ import annotations

import time
from dataclasses import dataclass

import jwt
import requests

TOKEN_PATH = "/services/oauth2/token"
JWT_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# Salesforce refuses an assertion whose expiry is more than three minutes away.
ASSERTION_LIFETIME_SECONDS = 170


class SalesforceAuthError(Exception):
    """Salesforce refused to sign the integration in; the message says why, in Salesforce's words."""


@dataclass(frozen=True)
class Session:
    access_token: str
    instance_url: str


@dataclass(frozen=True)
class JwtBearerAuth:
    """OAuth 2.0 JWT bearer flow: an assertion signed with the connected app's private key (RS256)."""

    login_url: str
    client_id: str
    username: str
    private_key: str
    audience: str

    def assertion(self, *, now: float | None = None) -> str:
        issued = int(now if now is not None else time.time())
        claims = {
            "iss": self.client_id,
            "sub": self.username,
            "aud": self.audience,
            "exp": issued + ASSERTION_LIFETIME_SECONDS,
        }
        return jwt.encode(claims, self.private_key, algorithm="RS256")

    def form(self) -> dict[str, str]:
        return {"grant_type": JWT_GRANT_TYPE, "assertion": self.assertion()}


@dataclass(frozen=True)
class ClientCredentialsAuth:
    """Client credentials flow: the connected app's key and secret, sent to the org's My Domain host."""

    login_url: str
    client_id: str
    client_secret: str

    def form(self) -> dict[str, str]:
        return {"grant_type": "client_credentials", "client_id": self.client_id, "client_secret": self.client_secret}


Authenticator = JwtBearerAuth | ClientCredentialsAuth


def session_open(*, http: requests.Session, auth: Authenticator, timeout: float) -> Session:
    """Exchange the credentials for an access token and the org's instance URL."""
    try:
        response = http.post(auth.login_url + TOKEN_PATH, data=auth.form(), timeout=timeout, allow_redirects=False)
    except requests.RequestException as error:
        raise SalesforceAuthError(f"The token endpoint {auth.login_url}{TOKEN_PATH} did not answer: {error}") from error
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code != 200 or "access_token" not in body:
        reason = body.get("error_description") or body.get("error") or response.text[:200]
        raise SalesforceAuthError(f"Salesforce refused the sign-in (HTTP {response.status_code}): {reason}")
    return Session(access_token=body["access_token"], instance_url=body["instance_url"].rstrip("/"))
