from django import forms
from django.utils.translation import gettext_lazy as _

from members.services import member_create_pending


class SignupForm(forms.Form):
    """Extra sign-up fields; allauth adds email and password around these."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)

    field_order = ["first_name", "last_name", "email", "password1", "password2"]

    def signup(self, request, user) -> None:
        member_create_pending(user=user)
