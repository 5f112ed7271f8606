"""allauth's sign-in and password-reset forms, refusing when PASSWORD_SIGNIN is
off (only the institution's sign-in is offered then). A module of its own:
members/forms.py is allauth's sign-up form class, which allauth's forms import."""

from allauth.account import forms as allauth_forms
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

PASSWORD_SIGNIN_OFF = _(
    "Password sign-in is turned off here: use your institution's sign-in."
)


class LoginForm(allauth_forms.LoginForm):
    def clean(self):
        if not settings.PASSWORD_SIGNIN:
            raise forms.ValidationError(PASSWORD_SIGNIN_OFF)
        return super().clean()


class ResetPasswordForm(allauth_forms.ResetPasswordForm):
    def clean(self):
        if not settings.PASSWORD_SIGNIN:
            raise forms.ValidationError(PASSWORD_SIGNIN_OFF)
        return super().clean()
