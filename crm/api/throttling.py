"""Rate limits per token (a tool) and per user (a person in the UI); each token has its own budget.

A fixed-window counter shared by every worker through the cache (Redis when configured), where DRF's
SimpleRateThrottle reads and rewrites the whole list of request times on every request, a list that
grows with the budget. Each worker counts locally and adds its count to the shared counter in
batches of 1% of the budget (at least once a second, and on every request near the limit), so a
tool's steady stream costs one Redis round trip per batch rather than two per request. The price:
a window may admit up to one batch per worker over the budget, and, as with any fixed window, a
caller may spend up to twice its budget across a window's edge.

While the cache is unreachable the limits fail open (requests are let through, with a log line at
most every few seconds: crm.cache.shared_cache) rather than answering 500."""

import threading
import time

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.throttling import SimpleRateThrottle

from crm.cache import shared_cache
from crm.models import ApiToken

BATCH_SHARE = 100  # a worker adds its count to the shared counter every budget / BATCH_SHARE requests
SYNC_SECONDS = 1.0  # and at least this often, so the other workers see it


def increment(key: str, *, by: int = 1, timeout: int) -> int:
    """Add to a shared counter that expires after `timeout` seconds; return the new total."""
    backend = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(backend, RedisCache):
        # Django's incr() checks that the key exists first (two round trips, plus one for add()):
        # INCRBY and EXPIRE pipelined are one.
        name = backend.make_and_validate_key(key)
        pipeline = backend._cache.get_client(name, write=True).pipeline(transaction=False)
        pipeline.incrby(name, by)
        pipeline.expire(name, timeout)
        total, _expiry_set = pipeline.execute()
        return int(total)
    backend.add(key, 0, timeout)
    try:
        return backend.incr(key, by)
    except ValueError:  # expired between add() and incr()
        backend.set(key, by, timeout)
        return by


class WindowCounter:
    """One worker's view of the shared counters: requests not yet added to them, and the last total
    read back."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.windows: dict[str, list] = {}  # key -> [pending, last shared total, monotonic time of sync]

    def forget(self) -> None:
        with self.lock:
            self.windows.clear()

    def count(self, key: str, *, limit: int, timeout: int) -> int:
        """Count one request in the window `key`; return the window's total as far as this worker knows."""
        batch = max(1, limit // BATCH_SHARE)
        now = time.monotonic()
        with self.lock:
            state = self.windows.get(key)
            if state is None:
                if len(self.windows) > 10_000:  # windows of callers gone quiet
                    self.windows.clear()
                state = self.windows[key] = [0, 0, now]
            state[0] += 1
            near_limit = state[1] + state[0] + batch > limit
            if not (state[0] >= batch or near_limit or now - state[2] >= SYNC_SECONDS):
                return state[1] + state[0]
            pending, state[0] = state[0], 0
        total = shared_cache.call(
            "rate limits let requests through", increment, key, by=pending, timeout=timeout, default=None
        )
        if total is None:  # the shared counter is unreachable: fail open
            return 0
        with self.lock:
            state[1], state[2] = total, now
            return total + state[0]


COUNTER = WindowCounter()


class TokenOrUserRateThrottle(SimpleRateThrottle):
    scope = "user"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token:{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_ends_at = (window + 1) * self.duration
        total = COUNTER.count(f"{key}:{window}", limit=self.num_requests, timeout=self.duration)
        return total <= self.num_requests

    def wait(self) -> float:
        """Seconds until the window closes (the Retry-After header)."""
        return max(self.window_ends_at - self.now, 0.0)


class UploadRateThrottle(TokenOrUserRateThrottle):
    """File uploads parse and match whole lists: a separate, smaller budget."""

    scope = "upload"
