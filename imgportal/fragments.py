"""Repeated fragments (directory cards, mentor cards) rendered once per content
and kept in Redis (issue #19 item 4: per-card rendering was most of those pages'
time under the profiler, docs/PERFORMANCE.md).

Each fragment's template gets a plain context (strings, numbers, lists of
them, built by the view from what the card shows) and nothing else, and the
cache key is a hash of that context, the template's source and the language.
The key changes whenever anything the fragment shows changes, so nothing ever
has to be invalidated, and two viewers share a fragment only when it would be
the same HTML for both. Whatever depends on the viewer (their fit with a
mentor, a form with a CSRF token) stays out of the fragment. A fragment
template may not include or extend another (its source is the key's stamp).

One round trip for a page's fragments (get_many), one to store the missing
ones (set_many). Redis down: each is rendered."""

import hashlib
import json
import logging
from functools import cache as once

from django.core.cache import cache
from django.template.loader import get_template
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

logger = logging.getLogger(__name__)
SECONDS = 3600


@once
def _stamp(template_name: str) -> str:
    source = get_template(template_name).template.source
    return hashlib.sha256(source.encode()).hexdigest()[:12]


def _key(template_name: str, context: dict) -> str:
    content = json.dumps(context, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(content.encode()).hexdigest()[:32]
    language = translation.get_language()
    return f"fragment:{template_name}:{_stamp(template_name)}:{language}:{digest}"


def render_each(template_name: str, contexts: list[dict]) -> list[SafeString]:
    """The template rendered with each plain context, in order."""
    if not contexts:
        return []
    keys = [_key(template_name, context) for context in contexts]
    try:
        found = cache.get_many(keys)
        reachable = True
    except Exception:
        logger.warning("fragment cache unavailable", exc_info=True)
        found, reachable = {}, False
    template = get_template(template_name)
    missing, out = {}, []
    for key, context in zip(keys, contexts, strict=True):
        html = found.get(key)
        if html is None:
            html = missing[key] = template.render(context)
        out.append(mark_safe(html))  # noqa: S308 — our template's own output
    if missing and reachable:
        try:
            cache.set_many(missing, SECONDS)
        except Exception:
            logger.warning("fragments not cached", exc_info=True)
    return out
