from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


class UserManager(BaseUserManager):
    """Users sign in with their email address; there are no usernames."""

    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """An account. The person's profile in the group is their `Member`."""

    username = None
    email = models.EmailField(_("email address"), unique=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="members_user_email_ci_unique")
        ]

    def __str__(self) -> str:
        return self.email


class Role(models.TextChoices):
    """The portal's roles; each is a Django group made by a data migration."""

    RESIDENT = "Resident", _("Resident")
    MENTOR = "Mentor", _("Mentor")
    GME_STAFF = "GME staff", _("GME staff")
    CO_LEAD = "Co-lead", _("Co-lead")


class Specialty(models.Model):
    """An ACGME core specialty or a common fellowship (loaded as data)."""

    class Kind(models.TextChoices):
        CORE = "core", _("Core specialty")
        FELLOWSHIP = "fellowship", _("Fellowship")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(
        _("kind"), max_length=12, choices=Kind.choices, default=Kind.CORE
    )

    class Meta:
        verbose_name = _("specialty")
        verbose_name_plural = _("specialties")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Member(models.Model):
    """A person's profile in the IMG group (the rest of it arrives with issue #3)."""

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
    home_country = CountryField(_("home country"), blank=True)
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

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["user__last_name", "user__first_name"]
        permissions = [
            ("access_portal", "Can use the member areas of the portal"),
            ("view_visa_status", "Can see other members' visa status"),
            ("manage_members", "Can approve joins and manage the member list"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "active", "alumni", "inactive"]),
                name="members_member_status_valid",
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

    @property
    def full_name(self) -> str:
        return self.user.get_full_name()

    @property
    def display_name(self) -> str:
        """The name to greet someone by."""
        return self.preferred_name or self.user.first_name or self.user.email
