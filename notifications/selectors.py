"""Who gets which email: audiences counted, opt-outs applied."""

from django.db.models import Count, Min, Q, QuerySet

from imgportal.health import DAY, MailReading
from members.models import Member
from notifications.models import Category, OutboundEmail


def opted_out(category: str) -> Q:
    """Members (as a filter on Member) who turned `category` off, or whose mail
    is suspended after bounces."""
    return Q(email_preferences__unsubscribed__contains=[category]) | Q(
        email_preferences__suspended_at__isnull=False
    )


def audience_members(audience: dict) -> QuerySet[Member]:
    """Active members in the segment (all active members when it is empty)."""
    return Member.objects.active().in_segment(audience)


def recipients(members: QuerySet[Member], category: str) -> QuerySet[Member]:
    """Of `members`, those who want `category` (users loaded for the address)."""
    return members.exclude(opted_out(category)).select_related("user")


def audience_counts(
    audience: dict, category: str = Category.NEWSLETTER
) -> dict[str, int]:
    """How many the segment matches, will receive, and will skip (opted out)."""
    return counts_with_recipients(audience_members(audience), category)


def counts_with_recipients(
    members: QuerySet[Member], category: str = Category.NEWSLETTER
) -> dict[str, int]:
    counts = members.aggregate(
        matching=Count("pk", distinct=True),
        skipped=Count("pk", filter=opted_out(category), distinct=True),
    )
    counts["recipients"] = counts["matching"] - counts["skipped"]
    return counts


def outbox_health(now) -> MailReading:
    """The outbox for the deep health check: the oldest email still queued, and
    emails that failed in the last day (when last handed to Celery: the retries
    that end in "failed" run within the hour after it)."""
    queued = OutboundEmail.objects.filter(status=OutboundEmail.Status.QUEUED)
    failed = OutboundEmail.objects.filter(status=OutboundEmail.Status.FAILED).filter(
        Q(published_at__gte=now - DAY)
        | Q(published_at__isnull=True, created_at__gte=now - DAY)
    )
    return MailReading(
        label="Single emails (the outbox)",
        oldest_waiting_since=queued.aggregate(oldest=Min("created_at"))["oldest"],
        failed_last_day=failed.count(),
    )


def keys_queued(keys: list[str]) -> set[str]:
    """Which of these idempotency keys the outbox already holds (queued, sent
    or failed): what a second click would not send again."""
    return set(
        OutboundEmail.objects.filter(idempotency_key__in=keys).values_list(
            "idempotency_key", flat=True
        )
    )
