"""`manage.py bootstrap --email … --first-name … --last-name …`: the first co-lead."""

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from imgportal.sso_config import provider_names
from members.bootstrap import BootstrapRefused, bootstrap_co_lead


class Command(BaseCommand):
    help = (
        "Make the group's first co-lead: an approved member with an open co-lead "
        "term. Refuses when a co-lead exists, unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--first-name", required=True)
        parser.add_argument("--last-name", required=True)
        parser.add_argument(
            "--force",
            action="store_true",
            help="Add this co-lead even though the group already has one.",
        )

    def handle(self, *args, **options):
        try:
            member = bootstrap_co_lead(
                email=options["email"],
                first_name=options["first_name"],
                last_name=options["last_name"],
                force=options["force"],
            )
        except BootstrapRefused as refusal:
            raise CommandError(str(refusal)) from None
        user = member.user
        key = f"{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}"
        path = reverse(
            "account_reset_password_from_key",
            kwargs={"uidb36": "UID", "key": "KEY"},
        ).replace("UID-KEY", key)
        self.stdout.write(
            self.style.SUCCESS(f"{user.get_full_name()} <{user.email}> is a co-lead.")
        )
        self.stdout.write("Next steps:")
        institutions = provider_names(settings.SOCIALACCOUNT_PROVIDERS)
        buttons = " or ".join(f'"Sign in with {name}"' for name in institutions)
        if settings.PASSWORD_SIGNIN:
            self.stdout.write(
                f"  1. Open this link (it works once, for a few days) and choose a "
                f"password:\n     {settings.SITE_URL}{path}"
            )
            if institutions:
                self.stdout.write(
                    f"     Or use {buttons} at {settings.SITE_URL}/accounts/login/ "
                    f"as {user.email}."
                )
        else:
            self.stdout.write(
                f"  1. Open {settings.SITE_URL}/accounts/login/ and use {buttons} "
                f"as {user.email}: the first sign-in links that account to this "
                f"co-lead (PASSWORD_SIGNIN is off, so there is no password)."
            )
        if settings.MFA_REQUIRED_FOR_STAFF:
            self.stdout.write(
                "  2. Sign in: the portal asks you to set up two-factor sign-in "
                "(an authenticator app) before it shows any member's data."
            )
        else:
            self.stdout.write(
                self.style.WARNING(
                    "  2. MFA_REQUIRED_FOR_STAFF is off: turn it on in production, "
                    "co-leads can read visa status."
                )
            )
        self.stdout.write(
            "  3. Invite the other co-lead from Members → Handoff, and approve "
            "join requests as residents sign up."
        )
