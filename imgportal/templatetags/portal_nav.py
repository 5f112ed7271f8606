"""{% nav_link %} and {% nav_item %}: a navigation link that knows whether it
is the current page (`aria-current="page"`) or the current page's section
(`aria-current="true"`), shown by the `active` class either way."""

from django import template
from django.urls import reverse
from django.utils.html import format_html

register = template.Library()


def _current(context, href: str, key: str) -> str:
    request = context.get("request")
    if request is None:
        return ""
    if request.path == href:
        return "page"
    if context.get("nav_section") == key:
        return "true"
    return ""


def badge_html(count, one: str, many: str) -> str:
    """A count beside a link ("2"), read out as "2 follow-ups due"; nothing
    when there is nothing to count."""
    count = int(count or 0)
    if count <= 0:
        return ""
    return format_html(
        ' <span class="badge rounded-pill text-bg-warning nav-badge">{}'
        '<span class="visually-hidden"> {}</span></span>',
        count,
        one if count == 1 else many,
    )


def _link(context, url_name: str, label: str, key: str, css: str, badge="") -> str:
    href = reverse(url_name)
    current = _current(context, href, key)
    if current:
        return format_html(
            '<a class="{} active" href="{}" data-nav="{}" aria-current="{}">{}{}</a>',
            css,
            href,
            key,
            current,
            label,
            badge,
        )
    return format_html(
        '<a class="{}" href="{}" data-nav="{}">{}{}</a>', css, href, key, label, badge
    )


@register.simple_tag(takes_context=True)
def nav_link(
    context, url_name: str, label: str, key: str, count=0, one="", many=""
) -> str:
    """A top-level link of the bar, in its list item (with a badge when
    `count` is above 0: `one`/`many` say what is counted)."""
    return format_html(
        '<li class="nav-item">{}</li>',
        _link(context, url_name, label, key, "nav-link", badge_html(count, one, many)),
    )


@register.simple_tag(takes_context=True)
def nav_item(
    context, url_name: str, label: str, key: str, count=0, one="", many=""
) -> str:
    """A link inside a dropdown menu, in its list item."""
    return format_html(
        "<li>{}</li>",
        _link(
            context, url_name, label, key, "dropdown-item", badge_html(count, one, many)
        ),
    )


@register.simple_tag
def nav_badge(count, one: str, many: str) -> str:
    """The same badge for a dropdown's toggle (the Account menu)."""
    return badge_html(count, one, many)
