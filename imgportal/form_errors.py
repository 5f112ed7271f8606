"""The one path from a service's refusal to the page.

Services refuse with `ValidationError`, naming fields (`{"start": [...]}`) or
not (`"This event is over"`). Views never read the exception themselves:

* a form page calls `add_errors(form, exc)`: each message goes next to its field,
  anything else (a non-field refusal, a field the form doesn't show) at the top
  of the form, and the form is shown again with what the person typed;
* a button without a form calls `refuse(request, exc)`: the reason becomes a
  message on the page the person lands on;
* `error_text(exc)` is the reason as one sentence, for a page of its own;
* `field_errors(exc, name)` picks one field's messages (empty when there are
  none); `names_a_field(exc)` says whether the refusal is about a field.

`tests/test_service_errors.py` fails on a view that converts an exception
another way."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseFormSet


def add_errors(form, exc: ValidationError) -> None:
    """Put a service's refusal on a form (or a formset's top)."""
    if isinstance(form, BaseFormSet):
        form._non_form_errors = form.error_class(
            [*form.non_form_errors(), *exc.messages]
        )
        return
    if hasattr(exc, "error_dict"):
        for field, field_messages in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, field_messages)
    else:
        form.add_error(None, exc.messages)


def error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def names_a_field(exc: ValidationError) -> bool:
    return hasattr(exc, "error_dict")


def field_errors(exc: ValidationError, field: str) -> list[str]:
    if hasattr(exc, "error_dict"):
        return exc.message_dict.get(field, [])
    return []


def refuse(request, exc: ValidationError) -> None:
    """Show the refusal as a message on the next page."""
    messages.error(request, error_text(exc))
