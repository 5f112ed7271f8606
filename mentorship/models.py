from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Member, Specialty, User


class MentorType(models.TextChoices):
    CAREER = "career", _("Career (in the specialty)")
    APPLICATION = "application", _("Application or fellowship")
    NEAR_PEER = "near_peer", _("Near-peer (a resident 1–2 years ahead)")
    IMG_VISA = "img_visa", _("IMG and visa navigation")
    LEADERSHIP = "leadership", _("Leadership and QI")
    RESEARCH = "research", _("Research")


class MentorProfile(models.Model):
    """What a member offers as a mentor (mentors, and residents as near-peers)."""

    class Meeting(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        VIDEO = "video", _("Video call")
        EITHER = "either", _("Either")

    member = models.OneToOneField(
        Member, on_delete=models.CASCADE, related_name="mentor_profile"
    )
    types = ArrayField(
        models.CharField(max_length=20, choices=MentorType.choices),
        verbose_name=_("kinds of mentoring you offer"),
    )
    specialty = models.ForeignKey(
        Specialty,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("specialty"),
    )
    interests = models.CharField(_("interests"), max_length=300, blank=True)
    visa_paths = ArrayField(
        models.CharField(max_length=20, choices=Member.VisaStatus.choices),
        default=list,
        blank=True,
        verbose_name=_("visa statuses you have been through"),
        help_text=_(
            "Used for matching. Mentees read only 'has IMG and visa experience' "
            "unless you choose to show them below."
        ),
    )
    show_visa_paths = models.BooleanField(
        _("show mentees which visa statuses I have been through"),
        default=False,
        help_text=_("Off: mentees read only 'has IMG and visa experience'."),
    )
    capacity = models.PositiveSmallIntegerField(
        _("most active mentees"), default=2, help_text=_("Between 1 and 10.")
    )
    accepting = models.BooleanField(_("accepting new mentees"), default=True)
    meeting = models.CharField(
        _("meeting preference"),
        max_length=10,
        choices=Meeting.choices,
        default=Meeting.EITHER,
    )
    bio = models.TextField(_("short bio"), max_length=1000, blank=True)

    class Meta:
        permissions = [("run_matching", "Can run matching rounds and see all matches")]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gte=1) & Q(capacity__lte=10),
                name="mentorship_capacity_1_to_10",
            )
        ]

    def __str__(self) -> str:
        return str(self.member)

    @property
    def type_labels(self) -> list[str]:
        return [MentorType(t).label for t in self.types]


class MentorshipRequest(models.Model):
    """A mentee's request: one mentor per kind asked for (a small board)."""

    class Priority(models.TextChoices):
        SAME_SPECIALTY = "same_specialty", _("Same specialty")
        SAME_COUNTRY = "same_country_or_language", _("Same home country or language")
        VISA = "visa_experience", _("Has been through my visa path")

    class Urgency(models.TextChoices):
        LOW = "low", _("Whenever possible")
        NORMAL = "normal", _("In the next month or two")
        HIGH = "high", _("Soon: a deadline is coming")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    mentee = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="mentorship_requests"
    )
    types = ArrayField(
        models.CharField(max_length=20, choices=MentorType.choices),
        verbose_name=_("kinds of mentor you want"),
    )
    specialty = models.ForeignKey(
        Specialty,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("specialty"),
    )
    goals = models.TextField(_("your goals"), max_length=1500)
    priorities = ArrayField(
        models.CharField(max_length=30, choices=Priority.choices),
        default=list,
        blank=True,
        verbose_name=_("what matters most"),
    )
    urgency = models.CharField(
        _("how soon"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    share_visa = models.BooleanField(
        _("let my mentors see my visa status"),
        default=False,
        help_text=_(
            "Off: your mentors read nothing about your visa status. Matching uses "
            "it either way."
        ),
    )
    status = models.CharField(max_length=10, choices=Status.choices, default="open")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["mentee"],
                condition=Q(status="open"),
                name="mentorship_one_open_request",
            )
        ]

    def __str__(self) -> str:
        return f"Request of {self.mentee}"

    @property
    def type_labels(self) -> list[str]:
        return [MentorType(t).label for t in self.types]


class MatchingRound(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Being reviewed")
        CONFIRMED = "confirmed", _("Confirmed")

    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default="draft")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    total_score = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Round of {timezone.localtime(self.created_at):%-d %b %Y}"

    def get_absolute_url(self) -> str:
        return reverse("mentorship:round", args=[self.pk])


class Proposal(models.Model):
    """One pair the optimiser proposes; co-leads drop or swap it before confirming."""

    round = models.ForeignKey(
        MatchingRound, on_delete=models.CASCADE, related_name="proposals"
    )
    request = models.ForeignKey(
        MentorshipRequest, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=MentorType.choices)
    mentor = models.ForeignKey(
        MentorProfile, on_delete=models.CASCADE, related_name="+"
    )
    score = models.PositiveIntegerField()
    reasons = models.JSONField(default=list)
    dropped = models.BooleanField(default=False)

    class Meta:
        ordering = ["request__created_at", "kind"]

    def __str__(self) -> str:
        return f"{self.mentor} → {self.request.mentee} ({self.kind})"


class Match(models.Model):
    """A mentor and a mentee for one kind of mentoring, from proposal to close."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Waiting for the mentor")
        INFO = "info", _("Mentor asked for more information")
        ACTIVE = "active", _("Active")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        CLOSED = "closed", _("Closed")

    OPEN_STATES = (State.PROPOSED, State.INFO, State.ACTIVE)

    request = models.ForeignKey(
        MentorshipRequest, on_delete=models.CASCADE, related_name="matches"
    )
    mentor = models.ForeignKey(
        MentorProfile, on_delete=models.CASCADE, related_name="matches"
    )
    kind = models.CharField(max_length=20, choices=MentorType.choices)
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.PROPOSED
    )
    score = models.PositiveIntegerField(default=0)
    reasons = models.JSONField(default=list)
    round = models.ForeignKey(
        MatchingRound,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    asked_directly = models.BooleanField(default=False)
    proposed_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    question = models.TextField(_("your question to the mentee"), blank=True)
    answer = models.TextField(_("your answer"), blank=True)
    mentor_feedback = models.TextField(_("feedback"), blank=True, max_length=1000)
    mentee_feedback = models.TextField(_("feedback"), blank=True, max_length=1000)

    class Meta:
        ordering = ["-proposed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "kind"],
                condition=Q(state__in=["proposed", "info", "active"]),
                name="mentorship_one_mentor_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True)
                | Q(answered_at__gte=F("proposed_at")),
                name="mentorship_answered_after_proposed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mentor} and {self.request.mentee}"

    def get_absolute_url(self) -> str:
        return reverse("mentorship:match", args=[self.pk])


class CheckIn(models.Model):
    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="checkins")
    met_on = models.DateField(_("met on"))
    notes = models.TextField(_("what you talked about"), max_length=2000)
    progress = models.CharField(_("progress on your goals"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-met_on"]

    def __str__(self) -> str:
        return f"{self.match}: {self.met_on}"


class BarredPair(models.Model):
    """Co-leads keep a pair apart (e.g. a supervisor and their resident)."""

    mentor = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    mentee = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["mentor", "mentee"], name="mentorship_bar_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.mentor} ✕ {self.mentee}"
