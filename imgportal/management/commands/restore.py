"""`manage.py restore FILE`: a backup back into PostgreSQL (README "Backups")."""

from pathlib import Path

import dj_database_url
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from imgportal import backups


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into DATABASE_URL's database "
        "(or --database-url). Refuses a database that holds tables unless --force."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("file", help="The backup file (.dump or .dump.enc).")
        parser.add_argument(
            "--database-url",
            help="Restore into this database instead of DATABASE_URL's.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace the contents of a database that is not empty.",
        )

    def handle(self, *args, file, database_url, force, **options):
        db = (
            dj_database_url.parse(database_url)
            if database_url
            else settings.DATABASES["default"]
        )
        try:
            backups.restore(
                db, Path(file), key=settings.BACKUP_ENCRYPTION_KEY, force=force
            )
            tables = backups.user_relations(db)
        except backups.BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(f"Restored {file} into {db.get('NAME')!r}")
            + f" ({tables} tables, views and sequences)."
        )
        self.stdout.write(
            "Next: python manage.py migrate (a backup older than the code needs the "
            "newer migrations), then start web, worker and beat."
        )
