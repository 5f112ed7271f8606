"""Services raise ValidationError naming fields; forms show them next to those
fields (and anything else at the top), with what the user typed kept."""

from django.core.exceptions import ValidationError


def add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, exc.messages)
