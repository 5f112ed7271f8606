"""Form widgets the pages need to be fast."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe


class FastSelect(forms.Select):
    """Django's Select, with the same HTML, but written in Python straight from
    the choices: no template include per option and no per-option context dicts.
    A country list (about 250 options) took most of the member directory's time
    (docs/PERFORMANCE.md); tests/test_widgets.py checks the HTML is Django's."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        selected = set(self.format_value(value))
        has_selected = False

        def option(option_value, label) -> str:
            nonlocal has_selected
            text = "" if option_value is None else str(option_value)
            chosen = (
                not has_selected or self.allow_multiple_selected
            ) and text in selected
            has_selected = has_selected or chosen
            return (
                f'<option value="{conditional_escape(text)}"'
                f"{' selected' if chosen else ''}>{conditional_escape(label)}</option>"
            )

        final_attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final_attrs["multiple"] = True
        parts = [f'<select name="{conditional_escape(name)}"{flatatt(final_attrs)}>']
        for option_value, label in self.choices:
            if isinstance(label, (list, tuple)):
                parts.append(f'<optgroup label="{conditional_escape(option_value)}">')
                parts.extend(option(value, text) for value, text in label)
                parts.append("</optgroup>")
            else:
                parts.append(option(option_value, label))
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 (every part is escaped above)


class FastSelectMultiple(FastSelect, forms.SelectMultiple):
    """Django's SelectMultiple with FastSelect's rendering."""
