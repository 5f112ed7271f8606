from django.conf import settings
from django.db.models import Count, Q

from newsletters.models import Delivery, Newsletter
from notifications.models import Category


def newsletter_progress(newsletter: Newsletter) -> dict:
    counts = dict(
        newsletter.deliveries.values_list("status").annotate(n=Count("pk")).order_by()
    )
    return {
        "counts": {status: counts.get(status, 0) for status in Delivery.Status.values},
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
