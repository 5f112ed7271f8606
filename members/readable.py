"""The data page in words. The JSON download keeps the codes (machine-readable:
"j1", "pgy2", ISO country and language codes); the page a person reads shows
what the forms call them ("J-1", "PGY-2", "India", "Hindi"), dates in the
portal's format and yes/no for true/false. A code two models label differently
under the same field name keeps a neutral spelling ("on_hold" → "On hold")."""

from datetime import date, datetime
from functools import cache

from django.apps import apps
from django.utils import formats, timezone
from django_countries import countries


@cache
def _labels() -> dict[str, dict[str, str]]:
    """{field name: {code: label}} over every model's fields with choices
    (an array field's choices are its items')."""
    labels: dict[str, dict[str, str]] = {}
    clashes: set[tuple[str, str]] = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if field.is_relation:
                continue
            choices = getattr(field, "flatchoices", None) or getattr(
                getattr(field, "base_field", None), "flatchoices", None
            )
            if not choices:
                continue
            known = labels.setdefault(field.name, {})
            for code, label in choices:
                code, label = str(code), str(label)
                if known.setdefault(code, label) != label:
                    clashes.add((field.name, code))
    for name, code in clashes:
        labels[name][code] = code.replace("_", " ").capitalize()
    return labels


def readable_key(key: str) -> str:
    """ "visa_status" → "Visa status", "match__kind" → "Match kind"."""
    return " ".join(key.replace("__", "_").split("_")).strip().capitalize()


def readable_value(key: str, value: object) -> str:
    """`value` of the field `key` as the portal's pages spell it."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, date):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(value, list | tuple):
        return ", ".join(readable_value(key, item) for item in value)
    if isinstance(value, dict):
        return "; ".join(
            f"{readable_key(k)}: {readable_value(k, v)}" for k, v in value.items()
        )
    text = str(value)
    if key.endswith("country") and len(text) == 2:
        return countries.name(text) or text
    field = key.rsplit("__", 1)[-1]  # "match__kind": the kind's labels
    return _labels().get(field, {}).get(text, text)
