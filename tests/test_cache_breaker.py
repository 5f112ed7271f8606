"""A Redis that accepts connections but never answers (here: a redis-server of
the test's own, stopped with SIGSTOP) costs one socket timeout, not one per
cache call: pages keep answering from the database."""

import os
import signal
import time

import pytest
from django.core.cache import cache
from redis.exceptions import RedisError

from tests.servers import OwnRedis

TIMEOUT = 0.5


@pytest.fixture
def hanging_redis(tmp_path, settings):
    redis = OwnRedis(tmp_path)
    redis.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "imgportal.cache.BreakerRedisCache",
            "LOCATION": redis.url,
            "OPTIONS": {
                "socket_connect_timeout": TIMEOUT,
                "socket_timeout": TIMEOUT,
                "breaker_seconds": 1,
            },
        }
    }
    try:
        yield redis
    finally:
        os.kill(redis.process.pid, signal.SIGCONT)
        redis.stop()


def _timed(call):
    started = time.monotonic()
    try:
        result = call()
    except RedisError as error:
        result = error
    return result, time.monotonic() - started


def test_a_hanging_redis_is_waited_for_once_then_skipped_until_it_answers(
    hanging_redis,
):
    cache.set("greeting", "hello")
    os.kill(hanging_redis.process.pid, signal.SIGSTOP)

    first, waited = _timed(lambda: cache.get("greeting"))
    assert isinstance(first, RedisError)
    assert waited >= TIMEOUT * 0.9

    for call in (lambda: cache.get("greeting"), lambda: cache.set("x", 1)):
        second, waited = _timed(call)
        assert isinstance(second, RedisError)
        assert waited < 0.1  # not asked: the breaker is open

    os.kill(hanging_redis.process.pid, signal.SIGCONT)
    time.sleep(1.1)  # breaker_seconds
    assert cache.get("greeting") == "hello"


def test_signed_in_pages_answer_while_redis_hangs(client, co_lead, hanging_redis):
    client.force_login(co_lead.user)
    assert client.get("/ping/me").status_code == 200
    os.kill(hanging_redis.process.pid, signal.SIGSTOP)

    started = time.monotonic()
    answers = [
        client.get(path).status_code for path in ["/ping/me", "/", "/members/"] * 3
    ]
    elapsed = time.monotonic() - started

    assert answers == [200] * 9
    # Nine pages with several cache calls each: without the breaker each call
    # would wait the timeout (several seconds in all).
    assert elapsed < TIMEOUT * 2 + 2


def test_a_missing_key_is_not_a_failure(hanging_redis):
    # incr of a missing key raises ValueError (Redis answered): the breaker
    # stays closed and the next call asks Redis.
    with pytest.raises(ValueError):
        cache.incr("never-set")
    cache.set("after", 1)
    assert cache.get("after") == 1
