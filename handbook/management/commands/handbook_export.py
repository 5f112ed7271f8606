from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from handbook.bundles import bundle_export


class Command(BaseCommand):
    help = (
        "Write the handbook as a bundle another group can start from: a zip of "
        "its chapters, every published page (Markdown with front matter) and the "
        "visa wait-time table (CSV). Import it with handbook_import."
    )

    def add_arguments(self, parser):
        parser.add_argument("bundle", help="the zip to write, e.g. handbook.zip")
        parser.add_argument(
            "--force", action="store_true", help="replace the file if it exists"
        )

    def handle(self, *args, bundle: str, force: bool, **options):
        path = Path(bundle)
        if path.is_dir():
            raise CommandError(f"{bundle} is a folder: give the zip file's name.")
        if path.exists() and not force:
            raise CommandError(
                f"{bundle} already exists: choose another name, or add --force "
                "to replace it."
            )
        if not path.parent.is_dir():
            raise CommandError(
                f"Can't write {bundle}: the folder {path.parent} does not exist."
            )
        try:
            done = bundle_export(path)
        except OSError as error:
            raise CommandError(
                f"Can't write {bundle}: {error.strerror or error}."
            ) from None
        self.stdout.write(
            f"Wrote {bundle}: {done.chapters} chapters, {done.pages} pages, "
            f"{done.timelines} visa wait-time rows."
        )
        if done.left_out:
            self.stdout.write(
                f"Left out {len(done.left_out)} pages never published (only "
                f"published text goes in a bundle): {', '.join(done.left_out)}."
            )
