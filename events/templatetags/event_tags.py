from django import template

from events.qr import qr_svg

register = template.Library()


@register.simple_tag
def checkin_qr(code: str, title: str):
    return qr_svg(code, title=title)
