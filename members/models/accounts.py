"""Accounts: the user (email sign-in) and the portal's roles."""

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models.functions import Lower, Upper
from django.utils.translation import gettext_lazy as _

TRAINING_START_MAX_YEARS = 15


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
    # Bumped (in the same transaction) whenever the account's roles or what
    # they grant change: part of the key of the permission set cached in Redis
    # (members/backends.py), so a revoked role stops working on the next
    # request even if Redis could not be told.
    permissions_version = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    def save(self, *args, **kwargs):
        """permissions_version is written only by `permissions_changed` (an
        UPDATE): a full save of an object loaded before a role change must not
        write the old version back (the old cached permission set would match
        again)."""
        if not self._state.adding and not kwargs.get("force_insert"):
            fields = kwargs.get("update_fields")
            if fields is None:
                fields = [
                    f.name
                    for f in self._meta.concrete_fields
                    if not f.primary_key and f.name != "permissions_version"
                ]
            kwargs["update_fields"] = [f for f in fields if f != "permissions_version"]
        super().save(*args, **kwargs)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="members_user_email_ci_unique")
        ]
        # The directory and the member list sort by name: with this index the
        # first page reads 24 rows in order instead of sorting every member.
        indexes = [
            models.Index(fields=["last_name", "first_name"], name="members_user_name"),
            # Name and email search (`icontains` is UPPER(…) LIKE '%…%'):
            # trigram indexes, so a search reads the matching rows, not all.
            *(
                GinIndex(
                    OpClass(Upper(field), name="gin_trgm_ops"),
                    name=f"members_user_{field}_trgm",
                )
                for field in ("first_name", "last_name", "email")
            ),
        ]

    def __str__(self) -> str:
        return self.email


class Role(models.TextChoices):
    """The portal's roles; each is a Django group made by a data migration."""

    RESIDENT = "Resident", _("Resident")
    MENTOR = "Mentor", _("Mentor")
    GME_STAFF = "GME staff", _("GME staff")
    CO_LEAD = "Co-lead", _("Co-lead")
    HANDBOOK_EDITOR = "Handbook editor", _("Handbook editor")
