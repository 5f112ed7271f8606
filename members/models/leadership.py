"""Co-lead terms and handovers, and the academic-year rollover runs."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models.accounts import User
from members.models.member import Member


class CoLeadTerm(models.Model):
    """A period during which a member is one of the group's co-leads."""

    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="co_lead_terms"
    )
    start = models.DateField(_("start"))
    end = models.DateField(_("end"), null=True, blank=True)

    class Meta:
        verbose_name = _("co-lead term")
        verbose_name_plural = _("co-lead terms")
        ordering = ["-start", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=F("start")),
                name="members_coleadterm_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} from {self.start}"

    def is_current(self, on) -> bool:
        return self.start <= on and (self.end is None or self.end >= on)


class CoLeadInvitation(models.Model):
    """A co-lead asks a member to take over (or join) the co-lead role."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")

    invitee = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="co_lead_invitations"
    )
    invited_by = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="co_lead_invitations_sent"
    )
    handover_on = models.DateField(
        _("role passes on"), help_text=_("The day the new co-lead starts.")
    )
    replaces_inviter = models.BooleanField(
        _("hand my role over"),
        default=True,
        help_text=_("Your own term ends the day before. Untick to add a co-lead."),
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("co-lead invitation")
        verbose_name_plural = _("co-lead invitations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["invitee"],
                condition=Q(status="pending"),
                name="members_colead_invitation_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.invitee} invited by {self.invited_by}"


class RolloverRun(models.Model):
    """One academic-year rollover, with what it changed, so it can be undone."""

    academic_year = models.PositiveSmallIntegerField(
        _("academic year starting"),
        help_text=_("e.g. 2026 for July 2026 to June 2027."),
    )
    effective_on = models.DateField(_("effective on"))
    applied_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    applied_at = models.DateTimeField(default=timezone.now)
    changes = models.JSONField(default=list, encoder=DjangoJSONEncoder)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("academic-year rollover")
        verbose_name_plural = _("academic-year rollovers")
        ordering = ["-applied_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["academic_year"],
                condition=Q(undone_at__isnull=True),
                name="members_rollover_once_per_year",
            )
        ]

    def __str__(self) -> str:
        return f"Rollover {self.academic_year}-{self.academic_year + 1}"
