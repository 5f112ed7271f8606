"""A member's own documents, trips and arrival checklist. Private: every query
filters by the member (see selectors); nothing here reaches exports, and
deleting or anonymising a member deletes it."""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from members.models import Member
from tracker import rules

KIND_CHOICES = [(kind, info.label) for kind, info in rules.KINDS.items()]
STEP_CHOICES = [(code, label) for code, label, _page in rules.ARRIVAL_STEPS]


class TrackedDocument(models.Model):
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="tracked_documents"
    )
    kind = models.CharField(_("document"), max_length=20, choices=KIND_CHOICES)
    starts_on = models.DateField(
        _("valid from"), null=True, blank=True, help_text=_("Optional.")
    )
    on = models.DateField(_("date"), null=True, blank=True)
    duration_of_status = models.BooleanField(
        _("admitted for D/S (duration of status)"),
        default=False,
        help_text=_("I-94 only: J-1s are usually admitted for D/S, with no date."),
    )
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["on", "kind"]
        constraints = [
            models.CheckConstraint(
                condition=Q(on__isnull=False)
                | Q(kind=rules.Kind.I94, duration_of_status=True),
                name="tracker_document_has_date",
            ),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True)
                | Q(on__isnull=True)
                | Q(on__gte=F("starts_on")),
                name="tracker_document_ends_after_start",
            ),
            # One of each, except appointments (biometrics and consulate both).
            models.UniqueConstraint(
                fields=["member", "kind"],
                condition=~Q(kind=rules.Kind.APPOINTMENT),
                name="tracker_one_document_of_each_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def info(self) -> rules.KindInfo:
        return rules.KINDS[self.kind]

    @property
    def deadline(self):
        return rules.deadline(self.kind, self.on)

    def as_rule(self) -> rules.Doc:
        return rules.Doc(kind=self.kind, on=self.on, starts_on=self.starts_on)


class Trip(models.Model):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="trips")
    country = CountryField(_("country"))
    leaves_on = models.DateField(_("leaving on"))
    returns_on = models.DateField(_("back on"))
    notes = models.CharField(_("notes"), max_length=500, blank=True)

    class Meta:
        ordering = ["leaves_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(returns_on__gte=F("leaves_on")),
                name="tracker_trip_returns_after_leaving",
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.country.name}, {self.leaves_on:%-d %b}–{self.returns_on:%-d %b %Y}"
        )

    def as_rule(self) -> rules.Trip:
        return rules.Trip(
            country=self.country.name,
            leaves_on=self.leaves_on,
            returns_on=self.returns_on,
        )


class TrackerSettings(models.Model):
    """What the member allows: being counted (never named) in GME's totals."""

    member = models.OneToOneField(
        Member, on_delete=models.CASCADE, related_name="tracker_settings"
    )
    share_counts = models.BooleanField(
        _("count me, without my name, in the GME office's totals"),
        default=False,
        help_text=_(
            "e.g. '12 members have a continuation due this quarter', so the "
            "Training Program Liaison can plan. Nobody sees your dates."
        ),
    )

    class Meta:
        permissions = [
            ("view_tracker_counts", "Can see anonymous status and checklist totals"),
            ("keep_own_status", "Can keep their own status tracker"),
        ]

    def __str__(self) -> str:
        return f"Tracker settings of {self.member}"


class ChecklistTick(models.Model):
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="checklist_ticks"
    )
    step = models.CharField(max_length=20, choices=STEP_CHOICES)
    done_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["member", "step"], name="tracker_one_tick_per_step"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.step}"
