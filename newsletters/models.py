from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Member, User
from notifications.models import Category


class Newsletter(models.Model):
    """A newsletter: composed by co-leads or GME staff, sent to a segment."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        CANCELLED = "cancelled", _("Cancelled")

    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(
        _("body"),
        help_text=_("Markdown: **bold**, *italic*, [link](https://…), lists."),
    )
    body_html = models.TextField(editable=False, default="")
    category = models.CharField(
        _("category"),
        max_length=30,
        choices=Category.choices,
        default=Category.NEWSLETTER,
        help_text=_(
            "Newsletters appear in the archive; event announcements go through the "
            "same delivery to members who want those."
        ),
    )
    audience = models.JSONField(
        _("audience"),
        default=dict,
        blank=True,
        help_text=_("Empty: all active members. Otherwise the segment's filters."),
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    scheduled_for = models.DateTimeField(_("send at"), null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("newsletter")
        verbose_name_plural = _("newsletters")
        ordering = ["-created_at"]
        permissions = [("send_newsletters", "Can compose and send newsletters")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="scheduled") | Q(scheduled_for__isnull=False),
                name="newsletters_scheduled_has_time",
            )
        ]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("newsletters:detail", args=[self.pk])


class Delivery(models.Model):
    """One newsletter to one member: the record that makes a resend impossible."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")
        # The connection broke after the message was handed to the server, before
        # it answered: it probably went out, so it is not sent again.
        UNCERTAIN = "uncertain", _("In doubt, not resent")
        # Taken by our mail server, then returned by the recipient's (a DSN).
        BOUNCED = "bounced", _("Bounced after sending")

    newsletter = models.ForeignKey(
        Newsletter, on_delete=models.CASCADE, related_name="deliveries"
    )
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField()
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["newsletter", "member"], name="newsletters_one_delivery_each"
            )
        ]
        indexes = [models.Index(fields=["newsletter", "status"])]

    def __str__(self) -> str:
        return f"{self.newsletter_id} → {self.email} ({self.status})"
