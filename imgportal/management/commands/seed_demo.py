from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from contacts.demo import seed as seed_contacts
from events.demo import seed_events
from handbook.demo import seed_handbook
from leadership.demo import DEMO_RESIDENT, seed_openings
from members.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, seed_demo
from members.models import Member
from mentorship.demo import seed_mentoring
from tracker.demo import seed_tracker


class Command(BaseCommand):
    help = "Load demo accounts and members. Safe twice: it only adds what is missing."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (demo accounts share a published password).",
        )
        parser.add_argument("--members", type=int, default=300)

    def handle(self, *args, force: bool, members: int, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to load demo data with DEBUG off: its accounts share a "
                "published password. Use --force if you really mean it."
            )
        result = seed_demo(members=members)
        events = seed_events()
        pages = seed_handbook()
        seed_tracker()
        seed_mentoring()
        openings = seed_openings()
        resident = Member.objects.filter(user__email=DEMO_RESIDENT).first()
        if resident is not None:
            seed_contacts(resident)
        self.stdout.write(
            f"Demo data ready ({result['created']} accounts, {events} events, "
            f"{pages} handbook pages, {openings} leadership openings created)."
        )
        self.stdout.write(f"Demo accounts (password {DEMO_PASSWORD}):")
        for account in DEMO_ACCOUNTS:
            self.stdout.write(f"  {account.email}")
