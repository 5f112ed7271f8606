"""The member: profile, visa and training facts, directory choices, the
queryset every app uses to find active members, and leadership roles."""

from datetime import timedelta

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from members.languages import LANGUAGE_NAMES, LANGUAGES
from members.models.accounts import TRAINING_START_MAX_YEARS, Role, User
from members.models.reference import Program, Specialty

BIO_MAX_LENGTH = 2000


# What a member may show other members in the directory (name is always shown).
DIRECTORY_FIELD_CHOICES = [
    ("pronouns", _("Pronouns")),
    ("training_stage", _("Training stage")),
    ("specialty", _("Specialty")),
    ("program", _("Program")),
    ("home_country", _("Home country")),
    ("languages", _("Languages")),
    ("medical_school", _("Medical school")),
    ("interests", _("Interests")),
    ("bio", _("Short bio")),
    ("email", _("Email address")),
    ("phone", _("Phone")),
    ("leadership", _("Leadership roles I hold now")),
]


def default_directory_fields() -> list[str]:
    return list(Member.DIRECTORY_DEFAULT)


def _display(field: str, choices):
    """A get_FOO_display that looks the label up in a dict made once."""
    labels = dict(choices)

    def display(self) -> str:
        value = getattr(self, field)
        return force_str(labels.get(value, value), strings_only=True)

    display.__name__ = f"get_{field}_display"
    return display


# A newsletter's or event's audience: segment key → member lookup.
SEGMENT_FILTERS = {
    "visa_statuses": "visa_status__in",
    "stages": "training_stage__in",
    "specialties": "specialty_id__in",
    "programs": "program_id__in",
    "roles": "user__groups__name__in",
    "home_countries": "home_country__in",
}


def active_q(via: str = "") -> Q:
    """The active-member condition, for members (`via=""`) or for rows that point
    at one (`via="member__"`, `via="mentee__"`)."""
    return Q(**{f"{via}status": Member.Status.ACTIVE, f"{via}user__is_active": True})


class MemberQuerySet(models.QuerySet):
    """The member filters every app needs, written once."""

    def active(self) -> "MemberQuerySet":
        """Approved, current members whose account is not switched off."""
        return self.filter(active_q())

    def co_leads(self) -> "MemberQuerySet":
        """Active members holding the co-lead role."""
        return self.active().filter(user__groups__name=Role.CO_LEAD)

    def with_role(self, *roles: str) -> "MemberQuerySet":
        return self.active().filter(user__groups__name__in=roles).distinct()

    def in_segment(self, segment: dict) -> "MemberQuerySet":
        """Members matching a saved audience (all of them when it is empty)."""
        members = self
        for key, lookup in SEGMENT_FILTERS.items():
            if values := segment.get(key):
                members = members.filter(**{lookup: values})
        if segment.get("incoming"):
            today = timezone.localdate()
            members = members.filter(
                training_stage=Member.TrainingStage.PGY1,
                training_start__gte=today - timedelta(days=31),
                training_start__lte=today + timedelta(days=183),
            )
        return members.distinct()


class Member(models.Model):
    """A person's profile in the IMG group."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        ACTIVE = "active", _("Active")
        ALUMNI = "alumni", _("Alumni")
        INACTIVE = "inactive", _("Inactive")

    class VisaStatus(models.TextChoices):
        J1 = "j1", _("J-1")
        J2 = "j2", _("J-2")
        H1B = "h1b", _("H-1B")
        H4 = "h4", _("H-4")
        O1 = "o1", _("O-1")
        E3 = "e3", _("E-3")
        F1_OPT = "f1_opt", _("F-1 OPT or other EAD")
        PERMANENT_RESIDENT = "permanent_resident", _("Permanent resident")
        US_CITIZEN_IMG = "us_citizen_img", _("US-citizen IMG")
        OTHER = "other", _("Other")

    class TrainingStage(models.TextChoices):
        PGY1 = "pgy1", _("PGY-1")
        PGY2 = "pgy2", _("PGY-2")
        PGY3 = "pgy3", _("PGY-3")
        PGY4 = "pgy4", _("PGY-4")
        PGY5 = "pgy5", _("PGY-5")
        PGY6 = "pgy6", _("PGY-6")
        PGY7 = "pgy7", _("PGY-7")
        PGY8 = "pgy8", _("PGY-8+")
        FELLOW = "fellow", _("Fellow")
        FACULTY = "faculty", _("Faculty")
        ALUMNI = "alumni", _("Alumni")

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="member", verbose_name=_("user")
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=Status.choices,
        default=Status.PENDING,
        db_index=True,
    )
    preferred_name = models.CharField(
        _("preferred name"),
        max_length=80,
        blank=True,
        help_text=_("What you like to be called, if not your first name."),
    )
    visa_status = models.CharField(
        _("visa status"),
        max_length=20,
        choices=VisaStatus.choices,
        blank=True,
        help_text=_("Seen only by you, the co-leads and GME staff."),
    )
    training_stage = models.CharField(
        _("training stage"), max_length=10, choices=TrainingStage.choices, blank=True
    )
    specialty = models.ForeignKey(
        Specialty,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("specialty"),
    )
    visa_other = models.CharField(
        _("visa status (other)"),
        max_length=100,
        blank=True,
        help_text=_("Only if you chose Other."),
    )
    pronouns = models.CharField(_("pronouns"), max_length=40, blank=True)
    phone = models.CharField(
        _("phone"),
        max_length=30,
        blank=True,
        validators=[
            RegexValidator(
                r"^\+?[0-9 ().-]{7,25}$",
                _("Enter a phone number: digits, spaces, + ( ) - only."),
            )
        ],
    )
    program = models.ForeignKey(
        Program,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("program"),
    )
    medical_school = models.CharField(_("medical school"), max_length=200, blank=True)
    medical_school_country = CountryField(_("medical school country"), blank=True)
    home_country = CountryField(_("home country"), blank=True)
    languages = ArrayField(
        models.CharField(max_length=8, choices=LANGUAGES),
        verbose_name=_("languages"),
        default=list,
        blank=True,
    )
    training_start = models.DateField(_("training start"), null=True, blank=True)
    expected_completion = models.DateField(
        _("expected completion"), null=True, blank=True
    )
    interests = models.CharField(
        _("interests"),
        max_length=500,
        blank=True,
        help_text=_("A few words: research, teaching, global health…"),
    )
    bio = models.TextField(
        _("short bio"),
        max_length=BIO_MAX_LENGTH,
        blank=True,
        help_text=_("Up to %(n)s characters.") % {"n": BIO_MAX_LENGTH},
    )
    directory_fields = ArrayField(
        models.CharField(max_length=30, choices=DIRECTORY_FIELD_CHOICES),
        verbose_name=_("shown in the directory"),
        default=default_directory_fields,
        blank=True,
    )
    anonymised_at = models.DateTimeField(_("anonymised on"), null=True, blank=True)
    # When the member last opened their home page: the home's "changed since
    # your last visit" (handbook pages in watched chapters) counts from here.
    home_seen_at = models.DateTimeField(
        _("last opened their home page"), null=True, blank=True, editable=False
    )
    joined_at = models.DateTimeField(_("asked to join on"), default=timezone.now)
    approved_at = models.DateTimeField(_("approved on"), null=True, blank=True)
    approved_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["user__last_name", "user__first_name"]
        # Every filter and sort of the member list and directory (issue #19).
        indexes = [
            models.Index(fields=["visa_status"], name="members_member_visa"),
            models.Index(fields=["training_stage"], name="members_member_stage"),
            models.Index(fields=["home_country"], name="members_member_country"),
            models.Index(fields=["joined_at", "id"], name="members_member_joined"),
            GinIndex(
                OpClass(Upper("preferred_name"), name="gin_trgm_ops"),
                name="members_member_pref_trgm",
            ),
        ]
        permissions = [
            ("access_portal", "Can use the member areas of the portal"),
            ("view_visa_status", "Can see other members' visa status"),
            ("manage_members", "Can approve joins and manage the member list"),
            ("view_member_list", "Can read the full member list and export it"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "active", "alumni", "inactive"]),
                name="members_member_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(expected_completion__isnull=True)
                | Q(training_start__isnull=True)
                | Q(expected_completion__gt=F("training_start")),
                name="members_member_completion_after_start",
            ),
            models.CheckConstraint(
                condition=Q(
                    visa_status__in=[
                        "",
                        "j1",
                        "j2",
                        "h1b",
                        "h4",
                        "o1",
                        "e3",
                        "f1_opt",
                        "permanent_resident",
                        "us_citizen_img",
                        "other",
                    ]
                ),
                name="members_member_visa_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.user.email

    DIRECTORY_DEFAULT = (
        "pronouns",
        "training_stage",
        "specialty",
        "program",
        "home_country",
        "languages",
        "interests",
        "bio",
    )

    def get_absolute_url(self) -> str:
        return reverse("members:detail", args=[self.pk])

    @property
    def is_pending(self) -> bool:
        """Waiting for the co-leads to approve the join request."""
        return self.status == self.Status.PENDING

    # Django's get_FOO_display rebuilds a dict of every choice on each call; the
    # member list shows three of them on each of 50 rows (docs/PERFORMANCE.md).
    get_status_display = _display("status", Status.choices)
    get_visa_status_display = _display("visa_status", VisaStatus.choices)
    get_training_stage_display = _display("training_stage", TrainingStage.choices)

    def clean(self) -> None:
        errors = {}
        today = timezone.localdate()
        if self.training_start:
            if self.training_start < today - timedelta(
                days=365 * TRAINING_START_MAX_YEARS
            ):
                errors["training_start"] = _(
                    "Training can't have started more than %(n)s years ago."
                ) % {"n": TRAINING_START_MAX_YEARS}
            elif self.training_start > today + timedelta(days=2 * 365):
                errors["training_start"] = _(
                    "Training can't start more than two years from now."
                )
        if (
            self.training_start
            and self.expected_completion
            and self.expected_completion <= self.training_start
        ):
            errors["expected_completion"] = _(
                "Completion must come after the training start."
            )
        if self.visa_status != self.VisaStatus.OTHER and self.visa_other:
            self.visa_other = ""
        if errors:
            raise ValidationError(errors)

    @property
    def visa_display(self) -> str:
        if self.visa_status == self.VisaStatus.OTHER and self.visa_other:
            return f"{self.get_visa_status_display()}: {self.visa_other}"
        return self.get_visa_status_display()

    def language_names(self) -> list[str]:
        return [LANGUAGE_NAMES.get(code, code) for code in self.languages]

    def shows(self, field: str) -> bool:
        """Whether the member lets other members see `field` in the directory."""
        return field in self.directory_fields

    @property
    def full_name(self) -> str:
        return self.user.get_full_name()

    @property
    def listed_name(self) -> str:
        """The name to find someone by on a list, a sheet or a CSV: the full
        name, with the name they go by when it isn't their first name
        ("Noura Haddad (Nouri)")."""
        full = self.user.get_full_name() or self.user.email
        preferred = self.preferred_name.strip()
        if preferred and preferred.casefold() not in (
            self.user.first_name.casefold(),
            full.casefold(),
        ):
            return f"{full} ({preferred})"
        return full

    @property
    def display_name(self) -> str:
        """The name to greet someone by."""
        return self.preferred_name or self.user.first_name or self.user.email


class LeadershipRole(models.Model):
    """A leadership role a member held: their portfolio, for a CV."""

    class Kind(models.TextChoices):
        CHIEF_RESIDENT = "chief_resident", _("Chief resident")
        PEC = "pec", _("Program Evaluation Committee")
        CCC = "ccc", _("Clinical Competency Committee")
        GME_COMMITTEE = "gme_committee", _("GME committee representative")
        WELLNESS = "wellness", _("Wellness council")
        DEI = "dei", _("Diversity, equity and inclusion council")
        QI = "qi", _("Quality improvement / patient safety council")
        EDUCATION = "education", _("Education (journal club, morning report…)")
        IMG_CO_LEAD = "img_co_lead", _("IMG group co-lead")
        OTHER = "other", _("Other")

    member = models.ForeignKey(
        Member,
        on_delete=models.CASCADE,
        related_name="leadership_roles",
        verbose_name=_("member"),
    )
    kind = models.CharField(_("role"), max_length=20, choices=Kind.choices)
    title = models.CharField(
        _("title or detail"),
        max_length=150,
        blank=True,
        help_text=_("e.g. “PGY-2 representative”; required for Other."),
    )
    start = models.DateField(_("start"))
    end = models.DateField(
        _("end"), null=True, blank=True, help_text=_("Blank: ongoing.")
    )
    outcome = models.CharField(
        _("outcome"),
        max_length=300,
        blank=True,
        help_text=_("e.g. “Co-led a peer support program; participation up 40%.”"),
    )

    class Meta:
        verbose_name = _("leadership role")
        verbose_name_plural = _("leadership roles")
        ordering = ["-start", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=F("start")),
                name="members_leadershiprole_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title or self.get_kind_display()

    EARLIEST_YEAR = 1950  # as the contacts log: an earlier year is a typo
    YEARS_AHEAD = 5

    def clean(self) -> None:
        latest = timezone.localdate().year + self.YEARS_AHEAD
        for name in ("start", "end"):
            day = getattr(self, name)
            if day and not self.EARLIEST_YEAR <= day.year <= latest:
                raise ValidationError(
                    {
                        name: _("Choose a date between %(first)s and %(last)s.")
                        % {"first": self.EARLIEST_YEAR, "last": latest}
                    }
                )
        if self.end and self.start and self.end < self.start:
            raise ValidationError({"end": _("The end can't come before the start.")})
        if self.kind == self.Kind.OTHER and not self.title:
            raise ValidationError({"title": _("Say what the role was.")})
