"""Sessions read from the Redis cache, written through to PostgreSQL (settings:
SESSION_ENGINE = "config.sessions" when the Redis cache is configured).

Django's cached_db keeps the cache copy as long as the session itself (two weeks).
The product's cache skips a write or a delete while Redis is unreachable
(config/cache.py), so a logout in such a moment would end the session in
PostgreSQL and leave its copy in Redis alive for the rest of those weeks. Here the
copy lives CACHE_SECONDS at most: a page reads PostgreSQL once in that time.
"""

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore

CACHE_SECONDS = 600


class _CappedCache:
    """The session cache, every entry of it kept CACHE_SECONDS at most."""

    def __init__(self, cache):
        self._cache = cache

    def set(self, key, value, timeout=None, version=None):
        timeout = CACHE_SECONDS if timeout is None else min(timeout, CACHE_SECONDS)
        return self._cache.set(key, value, timeout, version=version)

    async def aset(self, key, value, timeout=None, version=None):
        timeout = CACHE_SECONDS if timeout is None else min(timeout, CACHE_SECONDS)
        return await self._cache.aset(key, value, timeout, version=version)

    def __contains__(self, key):
        return key in self._cache

    def __getattr__(self, name):
        return getattr(self._cache, name)


class SessionStore(CachedDBStore):
    def __init__(self, session_key=None):
        super().__init__(session_key)
        self._cache = _CappedCache(self._cache)
