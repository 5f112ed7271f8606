"""{% group "name" %}: a field of the group's identity, in any template
(emails are rendered without a request, so without context processors)."""

from django import template

from imgportal.identity import group_identity

register = template.Library()


@register.simple_tag
def group(field: str = "name") -> str:
    return getattr(group_identity(), field)
