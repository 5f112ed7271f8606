"""Records: the members' audit trail, CSV imports, deletion requests and the
action log of who did what to any object."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models.accounts import User
from members.models.member import Member


class AuditEntry(models.Model):
    """An append-only record of a change to a member (a database trigger refuses
    UPDATE and DELETE on this table). Visa values are stored masked."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")
        STATUS = "status", _("Status changed")
        ROLE_GRANTED = "role_granted", _("Role granted")
        ROLE_REMOVED = "role_removed", _("Role removed")
        PROFILE = "profile", _("Profile edited")
        IMPORTED = "imported", _("Imported")
        ROLLOVER = "rollover", _("Academic-year rollover")
        ROLLOVER_UNDONE = "rollover_undone", _("Rollover undone")
        EXPORTED = "exported", _("Exported in a CSV")
        VISA_VIEWED = "visa_viewed", _("Visa status viewed")
        ANONYMISED = "anonymised", _("Anonymised on request")
        DATA_DOWNLOADED = "data_downloaded", _("Downloaded their data")

    member = models.ForeignKey(
        Member,
        on_delete=models.PROTECT,
        related_name="audit_entries",
        verbose_name=_("member"),
    )
    actor = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
        help_text=_("Blank when the system did it (a scheduled task)."),
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    changes = models.JSONField(
        _("before and after"), default=dict, blank=True, encoder=DjangoJSONEncoder
    )
    ip_address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["member", "-at"])]

    def __str__(self) -> str:
        return (
            f"{self.get_action_display()} · {self.member_id} · {self.at:%Y-%m-%d %H:%M}"
        )


class ImportJob(models.Model):
    """A roster CSV: previewed first, written only when a co-lead confirms."""

    class Status(models.TextChoices):
        PREVIEWING = "previewing", _("Checking the file")
        PREVIEWED = "previewed", _("Ready to confirm")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed: nothing was written")

    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(max_length=255)
    content = models.TextField()
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.PREVIEWING
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    preview = models.JSONField(default=list, encoder=DjangoJSONEncoder)
    file_errors = models.JSONField(default=list)
    result = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def counts(self) -> dict[str, int]:
        counts = {"create": 0, "update": 0, "unchanged": 0, "reject": 0}
        for row in self.preview:
            counts[row["action"]] += 1
        return counts

    @property
    def status_text(self) -> str:
        """The job's state in words; "Ready to import" only when it can be."""
        if self.status != self.Status.PREVIEWED:
            return self.get_status_display()
        if self.file_errors:
            return "This file can't be imported"
        if self.counts["reject"]:
            return "Some rows need fixing before anything can be imported"
        if not self.can_confirm:
            return "Nothing to import"
        return "Checked: ready to import"

    @property
    def can_confirm(self) -> bool:
        return (
            self.status == self.Status.PREVIEWED
            and not self.file_errors
            and self.counts["reject"] == 0
            and (self.counts["create"] + self.counts["update"]) > 0
        )


class DeletionRequest(models.Model):
    """A member asks to be deleted; a co-lead confirms; the person is anonymised."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a co-lead")
        DONE = "done", _("Anonymised")
        CANCELLED = "cancelled", _("Cancelled")

    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="deletion_requests"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(
        _("anything we should know? (optional)"), max_length=500, blank=True
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("deletion request")
        verbose_name_plural = _("deletion requests")
        ordering = ["requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(status="pending"),
                name="members_deletion_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"Deletion request {self.pk}"


class ActionLog(models.Model):
    """Who did what to an object (an event, a newsletter, a handbook page, a
    matching round…): written by every service that takes `by`, through
    `members.actions.record`. A few short facts in `data`, never free text."""

    class Verb(models.TextChoices):
        CREATED = "created", _("Created")
        CHANGED = "changed", _("Changed")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")
        SCHEDULED = "scheduled", _("Scheduled")
        SENT = "sent", _("Sending started")
        NUDGED = "nudged", _("Reminded those who haven't answered")
        CHECKED_IN = "checked_in", _("Checked someone in")
        CHECK_IN_UNDONE = "check_in_undone", _("Undid a check-in")
        DECLINED = "declined", _("Declined an edit")
        CHANGES_REQUESTED = "changes_requested", _("Asked for changes to an edit")
        RESTORED = "restored", _("Restored an earlier revision")
        VERIFIED = "verified", _("Marked as verified")
        SETTINGS = "settings", _("Changed the settings")
        DELETED = "deleted", _("Deleted")
        EDITOR_ADDED = "editor_added", _("Made a handbook editor")
        EDITOR_REMOVED = "editor_removed", _("Removed a handbook editor")
        RAN = "ran", _("Ran a matching round")
        CONFIRMED = "confirmed", _("Confirmed")
        CLOSED = "closed", _("Closed")
        PAIR_BARRED = "pair_barred", _("Kept a pair apart")

    actor = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
        help_text=_("Blank when the portal did it, or the person was erased."),
    )
    verb = models.CharField(_("what"), max_length=20, choices=Verb.choices)
    target_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.CASCADE, related_name="+"
    )
    target_id = models.PositiveBigIntegerField()
    data = models.JSONField(_("details"), default=dict, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("action log")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(
                fields=["target_type", "target_id", "-at"], name="members_action_target"
            ),
            models.Index(fields=["actor"], name="members_action_actor"),
        ]

    def __str__(self) -> str:
        return f"{self.get_verb_display()} · {self.target_type_id}:{self.target_id}"
