"""Cached values computed once when many requests miss them at the same moment.

The product keeps costly figures in the cache under stamps of what they are made
of, for ten minutes. When such an entry expires, or a change makes a new stamp,
every request that arrives before the first one has written the value misses it
and computes it. The analyst's dashboard computes twenty roadmaps' execution
(1.5 s alone): under load, twelve of its requests that missed together each took
eight seconds and held every server thread meanwhile
(bench/results/load-session12.txt).

`get_many_once` gives each missing value to one request: the request that misses
a key takes a short lock beside it (`cache.add`, atomic in Redis and in the local
memory cache) and computes it; a request that finds the lock taken computes the
other keys it misses and then waits for that value, reading the cache, for at
most `wait` seconds. Several requests that miss the same keys share the work
between them instead of each doing all of it.

Nothing waits for a lock no one holds: when the lock is gone without a value (the
computing request failed) or the cache cannot be reached (`TolerantRedisCache`
then reports every `add` as refused and every read as a miss), the waiting
request computes the value itself. A lock outlives a request killed mid-compute
by `LOCK_SECONDS` at most, and no request waits more than `wait` seconds for it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Hashable

from django.core.cache import cache

LOCK_SECONDS = 30
# How far a kept figure's lifetime is drawn around the one asked for (`spread`).
SPREAD = 0.2
POLL_SECONDS = 0.05
_LOCK = ":computing"


def get_many_once(
    keys: dict[Hashable, str],
    compute: Callable[[Hashable], object],
    timeout: int,
    *,
    wait: float = 10.0,
) -> dict:
    """{item: value} for each item of `keys` ({item: its cache key}): from the cache
    where it is there, else `compute(item)`, written to the cache for about `timeout`
    seconds (`spread`), each item computed by one request at a time."""
    found = cache.get_many(list(keys.values()))
    values = {item: found[key][0] for item, key in keys.items() if key in found}
    waiting = []
    for item, key in keys.items():
        if item in values:
            continue
        if cache.add(key + _LOCK, 1, LOCK_SECONDS):
            # Written by a request that held the lock since this one read the cache?
            if (kept := cache.get(key)) is not None:
                cache.delete(key + _LOCK)
                values[item] = kept[0]
            else:
                values[item] = _computed(item, key, compute, timeout, locked=True)
        else:
            waiting.append(item)
    deadline = time.monotonic() + wait
    while waiting:
        asked = [keys[item] for item in waiting]
        found = cache.get_many(asked + [key + _LOCK for key in asked])
        for item in list(waiting):
            key = keys[item]
            if key in found:
                values[item] = found[key][0]
            elif key + _LOCK not in found:  # no one computes it (or no cache): compute
                values[item] = _computed(item, key, compute, timeout)
            else:
                continue
            waiting.remove(item)
        if not waiting:
            break
        if time.monotonic() >= deadline:
            for item in waiting:  # the computing request is slow: do not wait longer
                values[item] = _computed(item, keys[item], compute, timeout)
            break
        time.sleep(POLL_SECONDS)
    return values


def get_once(key: str, compute: Callable[[], object], timeout: int, *, wait: float = 10.0):
    """The value under `key`, from the cache or `compute()`, computed by one request
    at a time (`get_many_once` of one key)."""
    return get_many_once({key: key}, lambda _key: compute(), timeout, wait=wait)[key]


def spread(seconds: int) -> int:
    """`seconds` give or take a fifth, drawn for each entry: figures written together
    (everyone's pages in the first minutes of a morning) then expire over minutes
    instead of all in the same one, each recomputed by a request of its own."""
    return round(seconds * random.uniform(1 - SPREAD, 1 + SPREAD))  # noqa: S311 (not a secret)


def _computed(item, key: str, compute, timeout: int, *, locked: bool = False):
    try:
        value = compute(item)
        cache.set(key, (value,), spread(timeout))  # a tuple: a value of None is a value
        return value
    finally:
        if locked:
            cache.delete(key + _LOCK)
