from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.urls import reverse

from handbook import bundles
from handbook.bundle_format import BundleRefused, bundle_read, refusal_text
from handbook.permissions import can_edit
from members.models import User

SECTIONS = (
    ("chapter", "Chapters"),
    ("page", "Pages (new and changed text arrives as drafts for your editors)"),
    ("timeline", "Visa wait times"),
)
DONE = {
    bundles.CREATE: "created",
    bundles.UPDATE: "updated",
    bundles.UNCHANGED: "unchanged",
    bundles.KEEP: "kept",
}


class Command(BaseCommand):
    help = (
        "Preview what a handbook bundle (from handbook_export) would create or "
        "update here; with --apply --as EMAIL, import it. Pages arrive as drafts "
        "for this group's editors to review; importing again updates, never "
        "duplicates; nothing is written if any file of the bundle is refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("bundle", help="the zip handbook_export wrote")
        parser.add_argument(
            "--apply",
            action="store_true",
            help="import (without it: a preview, nothing written)",
        )
        parser.add_argument(
            "--as",
            dest="as_email",
            metavar="EMAIL",
            help="who brings the import in: a handbook editor or co-lead, shown "
            "as the drafts' author (required with --apply)",
        )

    def handle(self, *args, bundle: str, apply: bool, as_email, **options):
        self.verbosity = int(options["verbosity"])
        actor = self._actor(as_email) if as_email else None
        if apply and actor is None:
            raise CommandError(
                "Say who brings the import in: --as EMAIL (a handbook editor or "
                "co-lead; the drafts show them as author, the action log as actor)."
            )
        try:
            read = bundle_read(bundle)
        except BundleRefused as refused:
            raise CommandError(refusal_text(bundle, refused.problems)) from None
        if not apply:
            steps = bundles.bundle_plan(read)
            self._describe(read, steps, past=False)
            self.stdout.write(
                "Preview only: nothing was written. To import: manage.py "
                f"handbook_import {bundle} --apply --as EMAIL"
            )
            return
        try:
            steps = bundles.bundle_apply(bundle=read, by=actor)
        except ValidationError as error:
            raise CommandError(
                f"Refused {bundle}: nothing was imported. {' '.join(error.messages)}"
            ) from None
        except DatabaseError as error:
            raise CommandError(
                f"{bundle} could not be imported, nothing was written (the "
                f"database said: {str(error).strip()[:200]}). Run it again."
            ) from None
        self._describe(read, steps, past=True)
        drafts = sum(step.new_text for step in steps)
        self.stdout.write(
            f"Imported as {actor.email}. {drafts} drafts wait for review at "
            f"{settings.SITE_URL}{reverse('handbook:reviews')}"
        )

    def _actor(self, email: str) -> User:
        user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
        if user is None:
            raise CommandError(f"No active account has the address {email}.")
        if not can_edit(user):
            raise CommandError(
                f"{email} is not a handbook editor or co-lead, so can't import "
                "the handbook (give them the Handbook editor role first)."
            )
        return user

    def _describe(self, read, steps, *, past: bool) -> None:
        self.stdout.write(
            f"Handbook bundle {read.name}"
            + (f" from {read.exported_from}" if read.exported_from else "")
            + (
                f", exported {bundles.day_text(read.exported_on)}"
                if read.exported_on
                else ""
            )
            + f": {len(read.chapters)} chapters, {len(read.pages)} pages, "
            f"{len(read.timelines)} visa wait-time rows."
        )
        if self.verbosity >= 1:
            for kind, heading in SECTIONS:
                rows = [step for step in steps if step.kind == kind]
                if not rows:
                    continue
                self.stdout.write(f"{heading}:")
                for step in rows:
                    word = DONE[step.action] if past else step.action
                    detail = "; ".join(step.changes + step.notes)
                    self.stdout.write(
                        f"  {word:<10} {step.label}"
                        + (f" ({detail})" if detail else "")
                    )
        count = bundles.totals(steps)
        if past:
            words = [f"{count[a]} {DONE[a]}" for a in DONE if count[a]]
        else:
            words = [
                f"{count[bundles.CREATE]} to create",
                f"{count[bundles.UPDATE]} to update",
                f"{count[bundles.UNCHANGED]} unchanged",
            ] + (
                [f"{count[bundles.KEEP]} kept as they are here"]
                if count[bundles.KEEP]
                else []
            )
        self.stdout.write(
            ("In all: " + ", ".join(words) + ".") if words else "Nothing in it."
        )
