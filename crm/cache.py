"""The shared cache (Redis when configured) as a speed-up, never a dependency: the API's token
lookups and rate-limit counters go through `shared_cache`, which answers a default when the cache
is unreachable, and then leaves it alone for RETRY_SECONDS (a log line at most that often, not one
per request, and no request waits on a dead server in that time)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0
# What an unreachable cache raises: redis-py's errors, and the socket's own.
CACHE_ERRORS = (RedisError, OSError)

T = TypeVar("T")


class SharedCache:
    """Calls to the cache that fall back to a default while it is unreachable. `failures` counts the
    calls that found it down (exported with the worker's other figures, e.g. in a health check)."""

    def __init__(self, *, retry_seconds: float = RETRY_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.retry_seconds = retry_seconds
        self.clock = clock
        self.down_until = 0.0
        self.failures = 0
        self.lock = threading.Lock()

    @property
    def is_down(self) -> bool:
        return self.clock() < self.down_until

    def reset(self) -> None:
        with self.lock:
            self.down_until, self.failures = 0.0, 0

    def call(self, purpose: str, function: Callable[..., T], *args: Any, default: T, **kwargs: Any) -> T:
        """`function(*args, **kwargs)`, or `default` when the cache is (or was just found) unreachable."""
        if self.is_down:
            with self.lock:
                self.failures += 1
            return default
        try:
            return function(*args, **kwargs)
        except CACHE_ERRORS as error:
            with self.lock:
                self.failures += 1
                first = not self.is_down
                self.down_until = self.clock() + self.retry_seconds
            if first:
                logger.warning(
                    "The cache is unreachable (%s: %s): %s without it for the next %.0f s.",
                    type(error).__name__,
                    error,
                    purpose,
                    self.retry_seconds,
                )
            return default


shared_cache = SharedCache()
