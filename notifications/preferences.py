"""Each member's email choices: categories turned off, bounces, suspension."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from members.models import Member
from notifications.models import (
    HARD_BOUNCE_LIMIT,
    SOFT_BOUNCE_LIMIT,
    SOFT_BOUNCE_WINDOW,
    Category,
    EmailPreferences,
)


def member_wants(*, member_id: int, category: str) -> bool:
    preferences = EmailPreferences.objects.filter(member_id=member_id).first()
    return preferences is None or preferences.wants(category)


def preferences_for(member: Member) -> EmailPreferences:
    preferences, _ = EmailPreferences.objects.get_or_create(member=member)
    return preferences


def preferences_update(*, member: Member, wanted: list[str]) -> EmailPreferences:
    """Keep the categories in `wanted`, turn the others off."""
    preferences = preferences_for(member)
    preferences.unsubscribed = [c for c in Category.values if c not in wanted]
    preferences.save(update_fields=["unsubscribed"])
    return preferences


def unsubscribe(*, member_id: int, category: str) -> EmailPreferences:
    """One click from an email: this member gets no more of this category."""
    if category not in Category.values:
        raise ValidationError("Unknown kind of email.")
    preferences, _ = EmailPreferences.objects.get_or_create(member_id=member_id)
    if category not in preferences.unsubscribed:
        preferences.unsubscribed = [*preferences.unsubscribed, category]
        preferences.save(update_fields=["unsubscribed"])
    return preferences


def record_hard_bounce(*, member_id: int) -> EmailPreferences:
    """A 5xx refusal: after HARD_BOUNCE_LIMIT of them, stop mailing the address."""
    with transaction.atomic():
        preferences, _ = EmailPreferences.objects.select_for_update().get_or_create(
            member_id=member_id
        )
        _count_hard(preferences)
        preferences.save(update_fields=["hard_bounces", "suspended_at"])
    return preferences


def record_soft_bounce(*, member_id: int) -> EmailPreferences:
    """A relay gave up after temporary failures (4.x.x, e.g. a full mailbox):
    SOFT_BOUNCE_LIMIT of them within SOFT_BOUNCE_WINDOW of the first count as one
    hard bounce, and the soft count starts again. A soft bounce after the window
    starts a new run: an address full once a season is not dead."""
    now = timezone.now()
    with transaction.atomic():
        preferences, _ = EmailPreferences.objects.select_for_update().get_or_create(
            member_id=member_id
        )
        since = preferences.soft_bounces_since
        if (
            preferences.soft_bounces == 0
            or since is None
            or since + SOFT_BOUNCE_WINDOW < now
        ):
            preferences.soft_bounces, preferences.soft_bounces_since = 0, now
        preferences.soft_bounces += 1
        if preferences.soft_bounces >= SOFT_BOUNCE_LIMIT:
            preferences.soft_bounces, preferences.soft_bounces_since = 0, None
            _count_hard(preferences)
        preferences.save(
            update_fields=[
                "soft_bounces",
                "soft_bounces_since",
                "hard_bounces",
                "suspended_at",
            ]
        )
    return preferences


def _count_hard(preferences: EmailPreferences) -> None:
    preferences.hard_bounces += 1
    if preferences.hard_bounces >= HARD_BOUNCE_LIMIT and not preferences.suspended_at:
        preferences.suspended_at = timezone.now()


def mail_resume(*, member: Member) -> EmailPreferences:
    """The member confirms their address works: bulk mail starts again."""
    preferences = preferences_for(member)
    preferences.hard_bounces = 0
    preferences.soft_bounces = 0
    preferences.soft_bounces_since = None
    preferences.suspended_at = None
    preferences.save(
        update_fields=[
            "hard_bounces",
            "soft_bounces",
            "soft_bounces_since",
            "suspended_at",
        ]
    )
    return preferences
