from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.models import Category


class PreferencesForm(forms.Form):
    wanted = forms.MultipleChoiceField(
        label=_("Email me"),
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "Account emails (sign-in, password, approval) always come; they are "
            "not newsletters."
        ),
    )
