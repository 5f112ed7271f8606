"""A member's private contacts log: the networking spreadsheet, kept for them."""

from datetime import timedelta

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Member

TAG_MAX = 40
MAX_TAGS = 20
# An unconfirmed import preview holds a copy of every uploaded row (names,
# institutions, what was discussed): it is gone for the member after this long
# and deleted by the nightly purge (contacts.tasks.contact_imports_purge_task).
PREVIEW_KEPT_FOR = timedelta(hours=24)


class BoardSeat(models.TextChoices):
    """The seats of a "board of mentors": complementary people a resident keeps
    around them. The same values as mentorship's kinds of mentor (a test holds
    them equal), so a seat is filled by a match of that kind or by a contact
    the member marked as an informal mentor for it."""

    CAREER = "career", _("Career (in the specialty)")
    APPLICATION = "application", _("Application or fellowship")
    NEAR_PEER = "near_peer", _("Near-peer (a resident 1–2 years ahead)")
    IMG_VISA = "img_visa", _("IMG and visa navigation")
    LEADERSHIP = "leadership", _("Leadership and QI")
    RESEARCH = "research", _("Research")


class Contact(models.Model):
    """One person in a member's own networking log. Only that member sees it."""

    class WhereMet(models.TextChoices):
        CONFERENCE = "conference", _("Conference")
        AWAY_ROTATION = "away_rotation", _("Away rotation")
        INTERVIEW = "interview", _("Interview")
        EMAIL = "email", _("Email")
        SOCIAL_MEDIA = "social_media", _("Social media")
        RESEARCH = "research", _("Research")
        OTHER = "other", _("Other")

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(
        _("role"),
        max_length=200,
        blank=True,
        help_text=_("e.g. Program director, Cardiology fellowship."),
    )
    institution = models.CharField(_("institution"), max_length=200, blank=True)
    where_met = models.CharField(
        _("where you met"), max_length=20, choices=WhereMet.choices, blank=True
    )
    where_met_detail = models.CharField(
        _("where exactly"),
        max_length=200,
        blank=True,
        help_text=_("Optional, e.g. 'ACP 2026, poster hall'."),
    )
    discussed = models.TextField(_("what you discussed"), blank=True)
    last_contact_on = models.DateField(_("last contact"), null=True, blank=True)
    follow_up_on = models.DateField(
        _("next follow-up"),
        null=True,
        blank=True,
        help_text=_("You get a reminder email that morning (if you want them)."),
    )
    tags = ArrayField(
        models.CharField(max_length=TAG_MAX), blank=True, default=list, size=MAX_TAGS
    )
    linked_member = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("portal member"),
        help_text=_("Optional: link this contact to a member or mentor here."),
    )
    board_seat = models.CharField(
        _("seat on my board of mentors"),
        max_length=20,
        choices=BoardSeat.choices,
        blank=True,
        help_text=_("Counts as an informal mentor for this seat on my board."),
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        indexes = [
            models.Index(fields=["member", "follow_up_on"]),
            models.Index(fields=["follow_up_on"], name="contacts_follow_up_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("contacts:edit", args=[self.pk])

    def follow_up_due(self, today) -> bool:
        return self.follow_up_on is not None and self.follow_up_on <= today


class ContactImport(models.Model):
    """An uploaded contacts CSV between its preview and the member's confirm: the
    rows as checked (never written to the log until confirmed). Confirmed, it
    keeps only its counts (the rows are contacts now); unconfirmed, it lives
    PREVIEW_KEPT_FOR."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Ready to confirm")
        DONE = "done", _("Imported")

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="contact_imports"
    )
    filename = models.CharField(max_length=255)
    encoding = models.CharField(max_length=40, blank=True)
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.PREVIEWED
    )
    file_errors = models.JSONField(default=list)
    # [{"row": 2, "name": ..., "values": {...} | None, "problems": [...],
    #   "duplicate": "..." }]: dates as ISO text.
    rows = models.JSONField(default=list)
    imported = models.PositiveIntegerField(default=0)
    # Duplicates skipped on confirm: those the preview listed and any row that
    # became one since (the same contact added by hand meanwhile).
    skipped = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def expires_at(self):
        return self.created_at + PREVIEW_KEPT_FOR

    def is_expired(self, now=None) -> bool:
        """An unconfirmed preview past its day (a finished import never is)."""
        return self.status == self.Status.PREVIEWED and self.expires_at <= (
            now or timezone.now()
        )

    @property
    def problem_rows(self) -> list[dict]:
        return [r for r in self.rows if r["problems"]]

    @property
    def duplicate_rows(self) -> list[dict]:
        return [r for r in self.rows if r["duplicate"] and not r["problems"]]

    @property
    def new_rows(self) -> list[dict]:
        return [r for r in self.rows if not r["problems"] and not r["duplicate"]]

    @property
    def can_confirm(self) -> bool:
        return (
            self.status == self.Status.PREVIEWED
            and not self.file_errors
            and not self.problem_rows
            and bool(self.new_rows)
        )
