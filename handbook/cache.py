"""Visitors' handbook pages and searches from Redis: the same HTML for everyone
who is not signed in, so it is rendered once per change instead of once per
visit. Any publish, page setting or chapter change raises one generation number,
which is part of every key: all cached pages go stale together (sibling lists
and links name other pages), and nothing needs deleting."""

import hashlib
import logging

from django.core.cache import cache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

GENERATION_KEY = "handbook:generation"
TIMEOUT = 60 * 60  # an hour: a change shows at once anyway (new generation)
# Searches are whatever visitors type: kept briefly, so odd queries age out.
SEARCH_TIMEOUT = 10 * 60


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 1, timeout=None)
        value = cache.get(GENERATION_KEY, 1)
    return value


def bump() -> None:
    """Called after commit by every write that changes what visitors see. With
    Redis unreachable the change stands (it is committed) and is logged; pages
    cached before the outage may then be served until TIMEOUT if Redis comes back
    with its data (a restarted Redis, as configured here, starts empty)."""
    try:
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:  # not set yet (or evicted): any new value is fresh
            cache.set(GENERATION_KEY, 2, timeout=None)
    except RedisError:
        logger.error("Redis unavailable: the handbook's visitor cache was not renewed")


def page_key(chapter_slug: str, page_slug: str) -> str:
    return f"handbook:page:{generation()}:{chapter_slug}:{page_slug}"


def search_key(query: str) -> str:
    digest = hashlib.sha256(query.encode()).hexdigest()[:32]
    return f"handbook:search:{generation()}:{digest}"
