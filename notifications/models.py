"""The outbox, email categories and each member's email choices."""

from datetime import timedelta

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

HARD_BOUNCE_LIMIT = 3
# A soft bounce (a relay gave up after temporary failures: mailbox full, 4.2.2)
# says less than a hard one; this many within SOFT_BOUNCE_WINDOW count as one
# hard bounce (notifications/preferences.py).
SOFT_BOUNCE_LIMIT = 3
SOFT_BOUNCE_WINDOW = timedelta(days=30)


class Category(models.TextChoices):
    """Kinds of bulk email a member can turn off (transactional mail has none)."""

    NEWSLETTER = "newsletter", _("Newsletters")
    EVENT_ANNOUNCEMENTS = "event_announcements", _("Event announcements")
    EVENT_REMINDERS = "event_reminders", _("Event reminders")
    MENTORSHIP = "mentorship", _("Mentorship notices")
    HANDBOOK = "handbook", _("Handbook updates (watched pages, reviews)")
    STATUS_REMINDERS = (
        "status_reminders",
        _("Reminders of my own visa and document dates"),
    )
    LEADERSHIP = "leadership", _("Deadlines of leadership openings I saved")
    FOLLOW_UPS = "follow_ups", _("Follow-ups due in my contacts log")
    DIGEST = "digest", _("Weekly digest")


class EmailPreferences(models.Model):
    """What a member receives. No row means: everything, address in good standing."""

    member = models.OneToOneField(
        "members.Member", on_delete=models.CASCADE, related_name="email_preferences"
    )
    unsubscribed = ArrayField(
        models.CharField(max_length=30, choices=Category.choices),
        default=list,
        blank=True,
    )
    hard_bounces = models.PositiveSmallIntegerField(default=0)
    soft_bounces = models.PositiveSmallIntegerField(
        default=0, help_text=_("Soft bounces since soft_bounces_since.")
    )
    soft_bounces_since = models.DateTimeField(
        null=True, blank=True, help_text=_("The first soft bounce of this run.")
    )
    suspended_at = models.DateTimeField(
        _("mail suspended"),
        null=True,
        blank=True,
        help_text=_("Set after repeated hard bounces, until the member confirms."),
    )
    last_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "newsletters_emailpreferences"  # moved from newsletters, data kept
        verbose_name = _("email preferences")
        verbose_name_plural = _("email preferences")

    def __str__(self) -> str:
        return f"Email preferences of {self.member_id}"

    def wants(self, category: str) -> bool:
        return self.suspended_at is None and category not in self.unsubscribed


class OutboundEmail(models.Model):
    """One email to one address, sent at most once (its idempotency key is unique)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped (the person opted out)")
        CANCELLED = "cancelled", _("Cancelled (no longer true when sent)")
        # Taken by our SMTP server, then returned by a later one (a DSN).
        BOUNCED = "bounced", _("Bounced after sending")

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
    message_id = models.CharField(
        _("Message-ID"),
        max_length=255,
        blank=True,
        db_index=True,
        help_text=_("As sent: a bounce that quotes it finds this row."),
    )

    class Meta:
        db_table = "imgportal_outboundemail"  # moved from imgportal, data kept
        verbose_name = _("outbound email")
        verbose_name_plural = _("outbound emails")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "queued",
                        "sent",
                        "failed",
                        "skipped",
                        "cancelled",
                        "bounced",
                    ]
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


class BounceReport(models.Model):
    """A bounce report read once (a DSN from the bounce mailbox, or a provider's
    webhook event): its unique id is what makes reading it again count nothing."""

    class Outcome(models.TextChoices):
        COUNTED = "counted", _("Counted")
        NOT_OURS = "not_ours", _("For no member")
        DELAYED = "delayed", _("Only delayed (the relay is still trying)")
        NO_FAILURE = "no_failure", _("Reports no failure")

    report_id = models.CharField(
        _("report id"),
        max_length=255,
        unique=True,
        help_text=_("The DSN's Message-ID (or a digest of it), or the event's id."),
    )
    source = models.CharField(_("source"), max_length=20)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    received_at = models.DateTimeField(_("read at"), default=timezone.now)

    class Meta:
        verbose_name = _("bounce report")
        verbose_name_plural = _("bounce reports")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.report_id} ({self.get_outcome_display()})"


class Bounce(models.Model):
    """One member's address bounced, as a report said (hard: 5.x.x, soft: 4.x.x)."""

    class Kind(models.TextChoices):
        HARD = "hard", _("Hard (permanent)")
        SOFT = "soft", _("Soft (temporary, given up)")

    class MatchedBy(models.TextChoices):
        MESSAGE = "message", _("The original message")
        ADDRESS = "address", _("The recipient's address")

    report = models.ForeignKey(
        BounceReport, on_delete=models.CASCADE, related_name="bounces"
    )
    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="bounces"
    )
    kind = models.CharField(_("kind"), max_length=4, choices=Kind.choices)
    status = models.CharField(_("status code"), max_length=15, blank=True)
    recipient = models.CharField(_("recipient"), max_length=320, blank=True)
    reason = models.TextField(_("the server's answer"), blank=True)
    matched_by = models.CharField(max_length=7, choices=MatchedBy.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("bounce")
        verbose_name_plural = _("bounces")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "member"], name="notifications_bounce_once"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["hard", "soft"]),
                name="notifications_bounce_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} bounce of {self.member_id} ({self.status})"
