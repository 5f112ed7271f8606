"""Reference data loaded by migrations: specialties and programs."""

from django.db import models
from django.utils.translation import gettext_lazy as _


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


class Program(models.Model):
    """A residency or fellowship program at an institution."""

    name = models.CharField(_("name"), max_length=200)
    specialty = models.ForeignKey(
        Specialty,
        on_delete=models.PROTECT,
        related_name="programs",
        verbose_name=_("specialty"),
    )
    institution = models.CharField(_("institution"), max_length=200)

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "institution"], name="members_program_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name
