"""Named data versions in Redis for caches keyed on them: a version changes
when the rows a cached fragment is made from change (each app bumps its own
from its models' signals), so the next request builds a new fragment. Redis
down: version 0, and the caches built on it are not used either."""

import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)


def _key(name: str) -> str:
    return f"version:{name}"


def version_of(name: str) -> int:
    return cache.get(_key(name), 0)


def version_bump(name: str) -> None:
    try:
        cache.incr(_key(name))
    except ValueError:  # not set yet
        cache.set(_key(name), 1, None)
    except Exception:
        logger.warning("data version %s not bumped", name, exc_info=True)
