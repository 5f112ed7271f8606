from uuid import uuid4

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site

from imgportal.email_layout import Footer, email_wrap
from imgportal.mail import email_queue_message

# Account mail goes to whoever typed the address, member or not.
ACCOUNT_EMAIL_REASON = (
    "You get this because this address was entered on the portal's sign-in "
    "pages. Account emails can't be turned off."
)


class AccountAdapter(DefaultAccountAdapter):
    """allauth's emails (verification, password reset) go through the email task;
    password sign-up closes with PASSWORD_SIGNIN off; the TOTP step at sign-in
    knows about the institution's second factor (members/sso.py)."""

    def is_open_for_signup(self, request) -> bool:
        return settings.PASSWORD_SIGNIN

    def get_login_stages(self) -> list[str]:
        return [
            "members.sso.PortalAuthenticateStage"
            if stage == "allauth.mfa.stages.AuthenticateStage"
            else stage
            for stage in super().get_login_stages()
        ]

    def render_mail(self, template_prefix, email, context, headers=None):
        """allauth's text part, with the footer, and its HTML twin in the group's
        email layout (imgportal/email_layout.py)."""
        message = super().render_mail(template_prefix, email, context, headers)
        if message.content_subtype == "plain" and not message.alternatives:
            rendered = email_wrap(
                subject=message.subject,
                text=message.body,
                footer=Footer(reason=ACCOUNT_EMAIL_REASON),
            )
            message.body = rendered.text
            message.attach_alternative(rendered.html, "text/html")
        return message

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        request = allauth_context.request
        ctx = {
            "request": request,
            "email": email,
            "current_site": get_current_site(request),
            **context,
        }
        message = self.render_mail(template_prefix, email, ctx)
        # Every account email is its own message (two resets are two emails).
        email_queue_message(key=f"account:{uuid4().hex}", message=message)
