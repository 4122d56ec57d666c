"""Cached values that many requests miss at once are computed once (infra/cache_once.py),
against the cache the suite runs with (Redis when REDIS_URL is set, the local memory
cache otherwise) and a Redis that is really unreachable (conftest.py's `redis_down`)."""

import threading
import time
import uuid

from django.core.cache import cache

from infra.cache_once import get_many_once, get_once, spread


class Counting:
    """A costly computation that counts its calls, by item."""

    def __init__(self, seconds=0.2, fail=()):
        self.seconds, self.fail = seconds, set(fail)
        self.calls: list = []
        self.lock = threading.Lock()

    def __call__(self, item):
        with self.lock:
            self.calls.append(item)
        time.sleep(self.seconds)
        if item in self.fail:
            raise RuntimeError(f"{item} failed")
        return f"value of {item}"


def fresh(name: str) -> str:
    return f"test:cache-once:{name}:{uuid.uuid4().hex}"


def in_threads(count: int, call) -> list:
    results, errors = [None] * count, []

    def run(i):
        try:
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_requests_that_miss_a_value_at_once_compute_it_once_and_all_get_it():
    key, compute = fresh("one"), Counting()
    results, errors = in_threads(6, lambda: get_once(key, lambda: compute("x"), 60))
    assert not errors
    assert results == ["value of x"] * 6
    assert compute.calls == ["x"]
    assert get_once(key, lambda: compute("x"), 60) == "value of x"
    assert compute.calls == ["x"]  # from the cache now


def test_requests_that_miss_the_same_values_share_them_each_computed_once():
    keys = {item: fresh(item) for item in "abcdefgh"}
    compute = Counting(seconds=0.05)
    results, errors = in_threads(4, lambda: get_many_once(keys, compute, 60))
    assert not errors
    assert all(r == {item: f"value of {item}" for item in keys} for r in results)
    assert sorted(compute.calls) == sorted(keys)


def test_a_value_of_none_is_kept_like_any_other():
    key, calls = fresh("none"), []
    assert get_once(key, lambda: calls.append(1), 60) is None
    assert get_once(key, lambda: calls.append(1), 60) is None
    assert calls == [1]


def test_a_request_that_failed_leaves_its_value_to_the_one_that_waited_for_it():
    key = fresh("failed")
    failing, working = Counting(seconds=0.3, fail={"x"}), Counting(seconds=0)
    raised = []

    def first_request():
        try:
            get_once(key, lambda: failing("x"), 60)
        except RuntimeError as exc:
            raised.append(exc)

    first = threading.Thread(target=first_request)
    first.start()
    deadline = time.monotonic() + 5
    while cache.get(key + ":computing") is None:  # the first request holds the lock
        assert time.monotonic() < deadline, "the first request never took the lock"
        time.sleep(0.01)
    assert get_once(key, lambda: working("x"), 60) == "value of x"
    first.join()
    assert len(raised) == 1  # the failure is the failing request's own
    assert failing.calls == ["x"] and working.calls == ["x"]


def test_a_lock_left_by_a_killed_request_costs_a_bounded_wait_not_the_answer():
    key, compute = fresh("stale"), Counting(seconds=0)
    cache.add(key + ":computing", 1, 30)  # its request was killed mid-compute
    assert get_once(key, lambda: compute("x"), 60, wait=0.3) == "value of x"
    assert compute.calls == ["x"]


def test_with_redis_down_values_are_computed_at_once_without_waiting(redis_down):
    keys = {item: fresh(item) for item in "ab"}
    compute = Counting(seconds=0)
    started = time.monotonic()
    assert get_many_once(keys, compute, 60, wait=30) == {"a": "value of a", "b": "value of b"}
    assert time.monotonic() - started < 10  # no wait for a lock that cannot exist
    assert sorted(compute.calls) == ["a", "b"]


def test_figures_written_together_expire_over_minutes_not_in_the_same_one():
    lifetimes = {spread(600) for _ in range(200)}
    assert min(lifetimes) >= 480 and max(lifetimes) <= 720
    assert max(lifetimes) - min(lifetimes) > 120  # spread over minutes
