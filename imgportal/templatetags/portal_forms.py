"""`{% cached_form form "version-name" %}`: a filter form rendered by crispy
once per (form class, submitted values, version of its choices) and kept in
Redis. Rendering the member list's and the directory's filter forms (about 500
<option>s through crispy's field templates) was a large part of those pages'
time (docs/PERFORMANCE.md).

The output is a pure function of the key: the form's class, the values
submitted for its fields, the version named (bumped when the choices' rows
change, see `versions.version_bump`) and the language. A GET form carries no
CSRF token and no viewer's data, so two viewers with the same query see the
same HTML. What a viewer types in a text box (a name searched for) is never
cached, not even in a key: the fragment is made, and keyed, with a
placeholder in each filled text box, and the typed text, escaped, replaces
it on the way out. Redis down: rendered each time."""

import hashlib
import logging

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_form
from django import forms, template
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import mark_safe

from imgportal.versions import version_of

register = template.Library()
logger = logging.getLogger(__name__)
# A choice added while Redis could not be told shows within 10 minutes.
SECONDS = 600


def _placeholder(name: str) -> str:
    return f"cachedformtyped{name}"  # nothing HTML escaping changes


def typed_text(form) -> dict[str, str]:
    """The filled free-text boxes (a search), by field name."""
    if not form.is_bound:
        return {}
    return {
        name: form.data.get(name)
        for name, field in form.fields.items()
        if isinstance(field, forms.CharField) and form.data.get(name)
    }


def form_key(form, version: str, layout: str = "") -> str:
    data = form.data if form.is_bound else {}
    values = [
        # In the order given: a single-choice widget shows the last one.
        (name, data.getlist(name) if hasattr(data, "getlist") else data[name])
        for name in sorted(form.fields)
        if name in data
    ]
    digest = hashlib.sha256(repr(values).encode()).hexdigest()[:32]
    cls = f"{type(form).__module__}.{type(form).__qualname__}"
    return (
        f"form-html:{cls}:{layout}:{version}:{version_of(version)}:"
        f"{translation.get_language()}:{digest}"
    )


def _render(form, layout: str) -> str:
    if layout:  # the fields laid out by a template of the page's own
        return render_to_string(layout, {"form": form})
    return str(as_crispy_form(form))


@register.simple_tag
def cached_form(form, version: str, layout: str = ""):
    """`layout`: a template that lays the fields out (given only `form`)
    instead of crispy's whole-form rendering."""
    typed = typed_text(form)
    if typed and any(name in form.errors for name in typed):
        return mark_safe(_render(form, layout))  # noqa: S308 — an error may repeat what was typed
    real = form.data
    if typed:
        form.data = real.copy()
        for name in typed:
            form.data[name] = _placeholder(name)
    try:
        html = _fragment(form, version, layout)
    finally:
        form.data = real
    for name, value in typed.items():
        html = html.replace(f'value="{_placeholder(name)}"', f'value="{escape(value)}"')
    return mark_safe(html)  # noqa: S308 — crispy's own rendering, kept as is


def _fragment(form, version: str, layout: str) -> str:
    try:
        key = form_key(form, version, layout)
        html = cache.get(key)
    except Exception:
        logger.warning("form cache unavailable", exc_info=True)
        return _render(form, layout)
    if html is None:
        html = _render(form, layout)
        try:
            cache.set(key, html, SECONDS)
        except Exception:
            logger.warning("form cache not written", exc_info=True)
    return html
