from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboundEmail(models.Model):
    """One email to one address, sent at most once (its idempotency key is unique)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped (the person opted out)")
        CANCELLED = "cancelled", _("Cancelled (no longer true when sent)")

    idempotency_key = models.CharField(
        _("idempotency key"),
        max_length=200,
        unique=True,
        help_text=_("Queueing twice with the same key sends one email."),
    )
    to = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=255)
    body_text = models.TextField(_("plain-text body"))
    body_html = models.TextField(_("HTML body"), blank=True)
    headers = models.JSONField(_("extra headers"), default=dict, blank=True)
    attachments = models.JSONField(
        _("attachments"),
        default=list,
        blank=True,
        help_text=_("[{'filename', 'content' (text), 'mimetype'}], e.g. an .ics"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbound_emails",
        help_text=_("Set for notifications a member can turn off."),
    )
    category = models.CharField(
        _("category"),
        max_length=30,
        blank=True,
        help_text=_("Blank for transactional mail (no unsubscribe link)."),
    )
    stale_check = models.JSONField(
        _("send-time check"),
        default=dict,
        blank=True,
        help_text=_("{'kind': …, …}: re-checked when sending; false means cancel."),
    )
    published_at = models.DateTimeField(
        _("last handed to Celery"), null=True, blank=True
    )
    attempts = models.PositiveSmallIntegerField(_("failed attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("queued at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbound email")
        verbose_name_plural = _("outbound emails")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=["queued", "sent", "failed", "skipped", "cancelled"]
                ),
                name="imgportal_outboundemail_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="imgportal_outboundemail_sent_has_time",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to} ({self.get_status_display()})"
