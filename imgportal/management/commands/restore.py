"""`manage.py restore FILE`: a backup back into PostgreSQL, and the uploaded files
archived beside it back into MEDIA_ROOT (README "Backups")."""

from pathlib import Path

import dj_database_url
from django.conf import settings
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError

from imgportal import backups


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into DATABASE_URL's database "
        "(or --database-url), and the uploaded files archived beside it into "
        "MEDIA_ROOT. Refuses a database that holds tables unless --force."
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
        parser.add_argument(
            "--media-root",
            help="Put the uploaded files here instead of MEDIA_ROOT (with "
            "--database-url they are restored only when this is given).",
        )
        parser.add_argument(
            "--no-media",
            action="store_true",
            help="Restore the database only, not the uploaded files.",
        )

    def handle(self, *args, file, database_url, force, media_root, no_media, **options):
        db = (
            dj_database_url.parse(database_url)
            if database_url
            else settings.DATABASES["default"]
        )
        source = Path(file)
        archive, root, note = self._media_plan(source, database_url, media_root)
        if no_media:
            archive, note = None, "Uploaded files not restored (--no-media)."
        try:
            files = backups.restore(
                db,
                source,
                key=settings.BACKUP_ENCRYPTION_KEY,
                force=force,
                media=archive,
                media_root=root,
            )
            tables = backups.user_relations(db)
        except backups.BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(f"Restored {file} into {db.get('NAME')!r}")
            + f" ({tables} tables, views and sequences)."
        )
        if files is not None:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Restored {files:,} uploaded file{'' if files == 1 else 's'}"
                )
                + f" from {archive} into {root}."
            )
        elif note:
            self.stdout.write(self.style.WARNING(note))
        self.stdout.write(
            "Next: python manage.py migrate (a backup older than the code needs the "
            "newer migrations), then start web, worker and beat."
        )

    @staticmethod
    def _media_plan(source: Path, database_url, media_root):
        """(archive, folder, note): where the uploaded files come from and go,
        or why they are not restored."""
        storage = storages["default"]
        root = Path(media_root) if media_root else backups.media_root_of(storage)
        if root is None:
            return (
                None,
                None,
                "Uploaded files are not restored: they are in S3-compatible storage "
                f"({type(storage).__name__}), whose bucket is backed up by its "
                "provider's versioning or replication, not by `manage.py backup`.",
            )
        archive = backups.media_archive_beside(source)
        if archive is None:
            expected = backups.media_archive_for(source, encrypted=False)
            return (
                None,
                None,
                f"No uploaded files' archive beside {source} ({expected.name} or "
                ".enc): the database is restored, uploaded files are not (a "
                "backup made before they were included has none).",
            )
        if database_url and not media_root:
            return (
                None,
                None,
                f"Uploaded files not restored: --database-url names another "
                f"database, so {archive} was left alone. Add --media-root DIR to "
                "unpack it there.",
            )
        return archive, root, ""
