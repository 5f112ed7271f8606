from django.conf import settings
from django.db.models import Count, Min, Q
from django.db.models.functions import Coalesce

from imgportal.health import DAY, MailReading
from newsletters.models import Delivery, Newsletter
from notifications.models import Category


def delivery_counts(newsletter: Newsletter) -> dict[str, int]:
    """How many of the newsletter's deliveries are in each state (one query)."""
    counts = dict(
        newsletter.deliveries.values_list("status").annotate(n=Count("pk")).order_by()
    )
    return {status: counts.get(status, 0) for status in Delivery.Status.values}


def newsletter_progress(
    newsletter: Newsletter, counts: dict[str, int] | None = None
) -> dict:
    """The delivery report: counts by state (`counts`, if already read) and the
    first hundred problems (two queries at most)."""
    return {
        "counts": counts if counts is not None else delivery_counts(newsletter),
        "failures": list(
            newsletter.deliveries.filter(
                Q(
                    status__in=[
                        Delivery.Status.FAILED,
                        Delivery.Status.UNCERTAIN,
                        Delivery.Status.BOUNCED,
                    ]
                )
                | Q(status=Delivery.Status.PENDING, attempts__gt=0)
            ).values("email", "status", "error", "attempts")[:100]
        ),
    }


def newsletters_since(since) -> tuple[str, list[str]] | None:
    """The weekly digest's list of newsletters sent since `since`."""
    sent = Newsletter.objects.filter(
        status=Newsletter.Status.SENT,
        category=Category.NEWSLETTER,
        finished_at__gte=since,
    ).order_by("finished_at")
    lines = [f"{n.subject}: {settings.SITE_URL}{n.get_absolute_url()}" for n in sent]
    return ("Newsletters", lines) if lines else None


def deliveries_health(now) -> MailReading:
    """Newsletter deliveries for the deep health check: the one waiting longest
    (due since its newsletter started or its retry time, or claimed by a batch
    that has not finished it), and those that failed in the last day (a delivery
    fails during the batch that claimed it, so its claim time is when)."""
    sending = Delivery.objects.filter(newsletter__status=Newsletter.Status.SENDING)
    due = sending.filter(status=Delivery.Status.PENDING).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    due_since = due.aggregate(
        oldest=Min(Coalesce("next_attempt_at", "newsletter__started_at"))
    )["oldest"]
    claimed_since = sending.filter(status=Delivery.Status.SENDING).aggregate(
        oldest=Min("claimed_at")
    )["oldest"]
    waiting = [moment for moment in (due_since, claimed_since) if moment]
    failed = Delivery.objects.filter(
        status=Delivery.Status.FAILED, claimed_at__gte=now - DAY
    )
    return MailReading(
        label="Newsletter deliveries",
        oldest_waiting_since=min(waiting, default=None),
        failed_last_day=failed.count(),
    )


def sends_in_progress(limit: int = 5) -> list[Newsletter]:
    """Newsletters being sent (with deliveries done of all) or scheduled, the
    soonest first. One query."""
    waiting = (Delivery.Status.PENDING, Delivery.Status.SENDING)
    done = [s for s in Delivery.Status.values if s not in waiting]
    return list(
        Newsletter.objects.filter(
            status__in=[Newsletter.Status.SENDING, Newsletter.Status.SCHEDULED]
        )
        .annotate(
            total=Count("deliveries"),
            done=Count("deliveries", filter=Q(deliveries__status__in=done)),
        )
        .order_by("-status", Coalesce("started_at", "scheduled_for"), "pk")[:limit]
    )
