"""Django's Redis cache, made to degrade when Redis is down.

Nothing the product keeps in the cache is needed to answer a page (analytic
tables are recomputed, API throttling lets requests through), so when Redis
cannot be reached a read is a miss and a write is skipped. After a failure the
cache stays quiet for `RETRY_AFTER` seconds instead of paying a connection
attempt on every call; the connection and read timeouts in OPTIONS (settings)
bound the one attempt that finds Redis gone.
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_AFTER = 5.0  # seconds without trying Redis after it failed


class TolerantRedisCacheClient(RedisCacheClient):
    down_until = 0.0  # shared by every client of the process: one Redis

    def _call(self, name, fallback, *args):
        if time.monotonic() < TolerantRedisCacheClient.down_until:
            return fallback()
        try:
            return getattr(super(), name)(*args)
        except RedisError as exc:
            logger.warning("cache unavailable, serving without it: %s", exc)
            TolerantRedisCacheClient.down_until = time.monotonic() + RETRY_AFTER
            return fallback()

    def add(self, key, value, timeout):
        return self._call("add", lambda: False, key, value, timeout)

    def get(self, key, default):
        return self._call("get", lambda: default, key, default)

    def set(self, key, value, timeout):
        return self._call("set", lambda: None, key, value, timeout)

    def touch(self, key, timeout):
        return self._call("touch", lambda: False, key, timeout)

    def delete(self, key):
        return self._call("delete", lambda: False, key)

    def get_many(self, keys):
        return self._call("get_many", dict, keys)

    def has_key(self, key):
        return self._call("has_key", lambda: False, key)

    def incr(self, key, delta):
        def missing():
            raise ValueError(f"Key '{key}' not found.")

        return self._call("incr", missing, key, delta)

    def set_many(self, data, timeout):
        return self._call("set_many", lambda: None, data, timeout)

    def delete_many(self, keys):
        return self._call("delete_many", lambda: None, keys)

    def clear(self):
        return self._call("clear", lambda: False)


class TolerantRedisCache(RedisCache):
    """settings.CACHES backend: `config.cache.TolerantRedisCache`."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = TolerantRedisCacheClient

    @staticmethod
    def reset():
        """Forget a past failure (tests, and nothing else, need this)."""
        TolerantRedisCacheClient.down_until = 0.0
