"""Leadership openings (committee seats, chief roles…), members' private
shortlists of them, and the link from an opening to the role a member got."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PGY = [MinValueValidator(1), MaxValueValidator(8)]


class Opening(models.Model):
    """A leadership role open to residents, posted (or suggested) on the board."""

    class Kind(models.TextChoices):
        COMMITTEE = "committee", _("Committee seat")
        CHAIR = "chair", _("Chair or co-chair")
        CHIEF = "chief", _("Chief or co-chief role")
        COORDINATOR = "coordinator", _("Coordinator (journal club, noon conference…)")
        PROJECT = "project", _("Project lead")
        CO_LEAD = "co_lead", _("IMG group co-lead")
        GME_REP = "gme_rep", _("GME committee representative")
        OTHER = "other", _("Other")

    class VisaLimit(models.TextChoices):
        NO = "no", _("No: the program says visa status doesn't limit it")
        YES = "yes", _("Yes: the program says visa status limits it")
        ASK = "ask", _("Ask the program director")

    class Status(models.TextChoices):
        SUGGESTED = "suggested", _("Suggested, waiting for a co-lead")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        DECLINED = "declined", _("Suggestion not taken")

    title = models.CharField(_("title"), max_length=150)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    program = models.ForeignKey(
        "members.Program",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("program"),
        help_text=_("Leave empty for an institution-wide role."),
    )
    pgy_min = models.PositiveSmallIntegerField(
        _("open from PGY"), null=True, blank=True, validators=PGY
    )
    pgy_max = models.PositiveSmallIntegerField(
        _("open up to PGY"), null=True, blank=True, validators=PGY
    )
    specialties = models.ManyToManyField(
        "members.Specialty",
        blank=True,
        related_name="+",
        verbose_name=_("specialties"),
        help_text=_("Leave empty if any specialty may apply."),
    )
    time_commitment = models.CharField(
        _("time commitment"),
        max_length=150,
        blank=True,
        help_text=_("e.g. “one hour a month, plus a retreat in May”."),
    )
    visa_limit = models.CharField(
        _("does visa status limit it?"),
        max_length=5,
        choices=VisaLimit.choices,
        default=VisaLimit.ASK,
    )
    visa_note = models.CharField(
        _("visa note"),
        max_length=300,
        blank=True,
        help_text=_(
            "What the program said, e.g. “J-1 holders may serve; no extra pay”."
        ),
    )
    description = models.TextField(_("what the role does"), blank=True)
    how_to_apply = models.TextField(_("how to apply"))
    contact = models.CharField(
        _("contact"), max_length=200, help_text=_("Who to ask: a name and an email.")
    )
    deadline = models.DateField(
        _("application deadline"),
        null=True,
        blank=True,
        help_text=_("Leave empty if applications are open until filled."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,  # erased posters leave their openings unsigned
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When it went on the board (posted, or a suggestion approved)."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("leadership opening")
        verbose_name_plural = _("leadership openings")
        ordering = [F("deadline").asc(nulls_last=True), "title", "pk"]
        permissions = [
            ("post_openings", "Can post and approve leadership openings"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(pgy_min__isnull=True)
                | Q(pgy_max__isnull=True)
                | Q(pgy_max__gte=F("pgy_min")),
                name="leadership_opening_pgy_range",
            )
        ]
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("leadership:detail", args=[self.pk])

    def is_past_deadline(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.deadline is not None and self.deadline < today

    def pgy_text(self) -> str:
        if self.pgy_min and self.pgy_max:
            if self.pgy_min == self.pgy_max:
                return f"PGY-{self.pgy_min}"
            return f"PGY-{self.pgy_min} to PGY-{self.pgy_max}"
        if self.pgy_min:
            return f"PGY-{self.pgy_min} and up"
        if self.pgy_max:
            return f"up to PGY-{self.pgy_max}"
        return "any PGY"


class ShortlistEntry(models.Model):
    """An opening a member saved, with their private note. Nobody else sees
    who saved what; co-leads see totals only."""

    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="shortlist"
    )
    opening = models.ForeignKey(
        Opening, on_delete=models.CASCADE, related_name="shortlisted"
    )
    note = models.CharField(
        _("private note"),
        max_length=300,
        blank=True,
        help_text=_("Only you see this, e.g. “ask PD about visa”."),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("shortlisted opening")
        verbose_name_plural = _("shortlisted openings")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "opening"], name="leadership_shortlist_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.opening} (saved)"


class OpeningRole(models.Model):
    """The portfolio role a member recorded from an opening ("I got it"):
    lets the board show who holds it now (if they show their roles)."""

    opening = models.ForeignKey(
        Opening, on_delete=models.CASCADE, related_name="holders"
    )
    role = models.OneToOneField(
        "members.LeadershipRole", on_delete=models.CASCADE, related_name="from_opening"
    )

    class Meta:
        verbose_name = _("role from an opening")
        verbose_name_plural = _("roles from openings")

    def __str__(self) -> str:
        return f"{self.role} from {self.opening}"
