"""How API callers prove who they are: a named token (tools) or the session (the web UI).

A token's lookup (the hashed key -> the token, its user and rep) is kept in the cache (Redis when
configured) for TOKEN_CACHE_SECONDS, and in each worker's memory for WORKER_CACHE_SECONDS, so a
tool's steady stream of requests costs neither a database query nor a Redis round trip to
authenticate. Revoking a token over the API refuses it at once on the worker that handled the
revocation and within WORKER_CACHE_SECONDS on the others; a change made elsewhere (a user
deactivated, a role changed) reaches the API within TOKEN_CACHE_SECONDS.

The cache is a speed-up only: while Redis is unreachable every lookup reads the database
(crm.cache.shared_cache), so the API keeps answering and a revoked token stays refused."""

import datetime
import pickle
import time

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from rest_framework import authentication, exceptions

from crm.cache import shared_cache
from crm.models import ApiToken
from crm.models.tokens import hash_key

# Recording every use would write a row per request; a minute's precision is enough to see
# which tokens are in use, and keeps the hot read paths free of writes.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)
# Shorter than LAST_USED_PRECISION: last_used_at is refreshed when the entry is reloaded, so it stays
# within a minute and a half of the truth, written at most once a minute per token.
TOKEN_CACHE_SECONDS = 30
# A worker's own copy: short, because another worker may have revoked the token meanwhile.
WORKER_CACHE_SECONDS = 1.0
WORKER_CACHE_SIZE = 10_000
KEYWORDS = ("token", "bearer")
# Written after a revocation commits, in place of the entry: a request that read the token just
# before the commit cannot put the live token back (entries are only ever *added*).
REVOKED = "revoked"


def token_cache_key(key_hash: str) -> str:
    return f"api-token:{key_hash}"


class WorkerTokens:
    """Recently used tokens of this worker, pickled: each request gets its own copy of the token, user
    and rep, as it would from Redis."""

    def __init__(self, clock=time.monotonic) -> None:
        self.clock = clock
        self.entries: dict[str, tuple[float, bytes]] = {}

    def get(self, key_hash: str) -> ApiToken | None:
        entry = self.entries.get(key_hash)
        if entry is None or entry[0] <= self.clock():
            return None
        return pickle.loads(entry[1])

    def put(self, key_hash: str, token: ApiToken) -> None:
        if len(self.entries) >= WORKER_CACHE_SIZE:
            self.entries.clear()
        self.entries[key_hash] = (self.clock() + WORKER_CACHE_SECONDS, pickle.dumps(token))

    def forget(self, key_hash: str) -> None:
        self.entries.pop(key_hash, None)


WORKER_TOKENS = WorkerTokens()


def forget_token(token: ApiToken) -> None:
    """Stop accepting a token that was just revoked: its cached lookups go now, and the shared one is
    replaced by a 'revoked' mark once the revocation commits."""
    WORKER_TOKENS.forget(token.key_hash)
    key = token_cache_key(token.key_hash)
    shared_cache.call("revoking tokens", cache.delete, key, default=None)
    transaction.on_commit(
        lambda: shared_cache.call("revoking tokens", cache.set, key, REVOKED, TOKEN_CACHE_SECONDS, default=None)
    )


def _load_token(key_hash: str) -> ApiToken | None:
    token = (
        ApiToken.objects.select_related("user", "user__rep")
        .defer("user__password")  # the cached copy carries no password hash
        .filter(key_hash=key_hash, revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token <key>` (or `Bearer <key>`): the key is hashed and looked up; a revoked
    token or an inactive user is refused with 401. `request.auth` is the ApiToken."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() not in KEYWORDS:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header: expected 'Token <key>'.")
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError as error:
            raise exceptions.AuthenticationFailed("Invalid token: it contains non-ASCII characters.") from error
        key_hash = hash_key(key)
        token = WORKER_TOKENS.get(key_hash)
        if token is None:
            cache_key = token_cache_key(key_hash)
            token = shared_cache.call("authenticating tokens", cache.get, cache_key, default=None)
            if token is None:
                token = _load_token(key_hash)
                if token is not None:
                    shared_cache.call(
                        "authenticating tokens", cache.add, cache_key, token, TOKEN_CACHE_SECONDS, default=False
                    )
            if not isinstance(token, ApiToken):
                raise exceptions.AuthenticationFailed("Invalid, revoked or expired token.")
            WORKER_TOKENS.put(key_hash, token)
        return token.user, token

    def authenticate_header(self, request) -> str:
        # Naming a scheme makes DRF answer an unauthenticated request with 401, not 403.
        return 'Token realm="api"'


class SessionAuthentication(authentication.SessionAuthentication):
    """The web UI's session; service accounts (integrations) never use one."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        rep = getattr(result[0], "rep", None)
        if rep is not None and rep.is_service_account:
            return None
        return result
