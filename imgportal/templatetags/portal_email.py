"""{{ text|email_links }}: plain text escaped, its URLs made links, as the
group's email layout shows them (imgportal/email_layout.py)."""

from django import template

from imgportal.email_layout import linkify

register = template.Library()


@register.filter
def email_links(value) -> str:
    return linkify(str(value))
