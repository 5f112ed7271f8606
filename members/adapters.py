from uuid import uuid4

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site

from imgportal.mail import email_queue_message


class AccountAdapter(DefaultAccountAdapter):
    """allauth's emails (verification, password reset) go through the email task."""

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
