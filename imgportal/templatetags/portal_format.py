"""{{ amount|money }}: money as the portal writes it everywhere (issue 22),
the currency symbol and thousands separators: "$1,234.50", "-$20.00"."""

from decimal import Decimal, InvalidOperation

from django import template
from django.conf import settings

register = template.Library()


@register.filter
def money(value) -> str:
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return str(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}{settings.CURRENCY_SYMBOL}{abs(amount):,.2f}"


@register.filter
def lower_words(value) -> str:
    """A label in the middle of a sentence: "Leadership and QI" → "leadership
    and QI", "IMG and visa navigation" unchanged (acronyms and visa names such
    as H-1B keep their capitals; `|lower` wrote "img" and "qi")."""

    def keep(word: str) -> bool:
        return any(c.isupper() for c in word[1:]) or any(c.isdigit() for c in word)

    return " ".join(
        word if keep(word) else word.lower() for word in str(value).split(" ")
    )
