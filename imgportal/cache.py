"""Django's Redis cache with a circuit breaker.

Every cache the portal keeps (permission sets, filter forms, the community
summary, data versions, allauth's rate limits) falls back to the database or
to no cache when Redis fails. A Redis that refuses connections fails at once,
but one that accepts them and never answers (a stopped process, a full
network buffer, a failover in progress) costs the socket timeout on every
call: several seconds a page. After a failure the breaker fails each call at
once for `breaker_seconds` (per process), so a page pays the timeout at most
once in that time; then the next call tries Redis again.
"""

import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# The methods of Django's cache API that reach Redis (the others, such as
# get_or_set and decr, call these).
GUARDED = (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
)


class CacheUnavailable(RedisConnectionError):
    """Raised without asking Redis while the breaker is open: callers treat it
    as the connection error it stands for."""


class BreakerRedisCache(RedisCache):
    def __init__(self, server, params):
        params = {**params, "OPTIONS": dict(params.get("OPTIONS") or {})}
        self.breaker_seconds = float(params["OPTIONS"].pop("breaker_seconds", 10))
        super().__init__(server, params)
        self._open_until = 0.0

    def _guarded(self, name, *args, **kwargs):
        if time.monotonic() < self._open_until:
            raise CacheUnavailable("Redis failed moments ago; not asked again yet")
        try:
            return getattr(super(), name)(*args, **kwargs)
        except (RedisError, OSError) as error:
            self._open_until = time.monotonic() + self.breaker_seconds
            logger.warning(
                "cache unavailable (%s); not used for %.0f s",
                type(error).__name__,
                self.breaker_seconds,
            )
            raise


def _method(name):
    def method(self, *args, **kwargs):
        return self._guarded(name, *args, **kwargs)

    method.__name__ = name
    return method


for _name in GUARDED:
    setattr(BreakerRedisCache, _name, _method(_name))
