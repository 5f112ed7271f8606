"""{{ stored_html|own_images }}: member-written HTML saved by an earlier
renderer, shown with today's rule (images only from the portal's origin)."""

from django import template
from django.utils.safestring import mark_safe

from imgportal.markdown import own_images_only

register = template.Library()


@register.filter
def own_images(value: str) -> str:
    return mark_safe(own_images_only(value or ""))  # noqa: S308 - nh3-cleaned
