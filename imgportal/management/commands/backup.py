"""`manage.py backup`: the whole PostgreSQL database in one file, and the uploaded
files kept on disk in an archive beside it (README "Backups")."""

from datetime import UTC, datetime
from pathlib import Path

import dj_database_url
from django.conf import settings
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError

from imgportal import backups


class Command(BaseCommand):
    help = (
        "Back up the portal's PostgreSQL database with pg_dump (custom format) to "
        "BACKUP_DIR, with the uploaded files in MEDIA_ROOT as a tar beside it; "
        "both encrypted when BACKUP_ENCRYPTION_KEY is set."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            help="The file to write (default: BACKUP_DIR/imgportal-<UTC time>.dump, "
            "with .enc when encrypted).",
        )
        parser.add_argument(
            "--database-url", help="Back up this database instead of DATABASE_URL's."
        )
        parser.add_argument(
            "--generate-key",
            action="store_true",
            help="Print a new key for BACKUP_ENCRYPTION_KEY and exit.",
        )

    def handle(self, *args, output, database_url, generate_key, **options):
        if generate_key:
            self.stdout.write(backups.generate_key())
            return
        db = (
            dj_database_url.parse(database_url)
            if database_url
            else settings.DATABASES["default"]
        )
        key = settings.BACKUP_ENCRYPTION_KEY
        if output:
            destination = Path(output)
        else:
            stamp = datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%SZ")
            suffix = ".dump.enc" if key else ".dump"
            destination = Path(settings.BACKUP_DIR) / f"imgportal-{stamp}{suffix}"
        try:
            size = backups.dump(db, destination, key=key)
        except backups.BackupError as error:
            raise CommandError(str(error)) from None
        how = "encrypted" if key else "not encrypted: set BACKUP_ENCRYPTION_KEY"
        self.stdout.write(
            self.style.SUCCESS(f"Backup written: {destination}")
            + f" ({size / 1_000_000:,.1f} MB, {how})."
        )
        self._media(destination, key, how)
        self.stdout.write(f"Restore it with: python manage.py restore {destination}")

    def _media(self, destination: Path, key: str, how: str) -> None:
        """The uploaded files, after the dump: a file uploaded in between is an
        orphan in the archive, never a row whose file is missing."""
        storage = storages["default"]
        root = backups.media_root_of(storage)
        if root is None:
            self.stdout.write(
                f"Uploaded files are not in this backup: they are in "
                f"{type(storage).__module__}.{type(storage).__name__}, not a folder "
                "on this server. An S3-compatible bucket is backed up by its "
                "provider's versioning or replication: keep that turned on."
            )
            return
        archive = backups.media_archive_for(destination, encrypted=bool(key))
        try:
            files, size = backups.dump_media(root, archive, key=key)
        except backups.BackupError as error:
            raise CommandError(
                f"The database backup is written ({destination}), but not the "
                f"uploaded files: {error}"
            ) from None
        self.stdout.write(
            self.style.SUCCESS(f"Uploaded files written: {archive}")
            + f" ({files:,} file{'' if files == 1 else 's'} from {root}, "
            f"{size / 1_000_000:,.1f} MB, {how}). "
            "Keep it with the database backup."
        )
