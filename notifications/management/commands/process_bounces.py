from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from notifications.mailbox import MailboxError, bounces_read_mailbox


class Command(BaseCommand):
    help = (
        "Read the bounce mailbox (BOUNCE_MAILBOX_URL) once: count each delivery "
        "status notification as a hard or soft bounce and delete it. Beat does "
        "this every 10 minutes; running it again counts nothing twice."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--url", help="another mailbox than BOUNCE_MAILBOX_URL (same form)"
        )

    def handle(self, *args, **options) -> None:
        url = options["url"] or settings.BOUNCE_MAILBOX_URL
        if not url:
            raise CommandError(
                "No bounce mailbox: set BOUNCE_MAILBOX_URL "
                "(e.g. imaps://user:password@host:993/INBOX) or pass --url."
            )
        try:
            result = bounces_read_mailbox(url)
        except MailboxError as exc:
            raise CommandError(f"Could not read the bounce mailbox: {exc}") from exc
        self.stdout.write(
            f"Bounce reports counted: {result['counted']}; for no member: "
            f"{result['not_ours']}; only delayed: {result['delayed']}; no failure: "
            f"{result['no_failure']}; read before: {result['known']}; other mail "
            f"left in the mailbox: {result['left']}."
        )
