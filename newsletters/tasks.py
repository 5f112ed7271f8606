from celery import shared_task

from newsletters import services


@shared_task
def fan_out_task(newsletter_id: int) -> int:
    """Write one delivery per recipient and queue the batches (idempotent)."""
    return services.newsletter_fan_out(newsletter_id=newsletter_id)


@shared_task
def send_batch_task(newsletter_id: int, delivery_ids: list[int]) -> dict:
    """Send one batch over one SMTP connection; rows already claimed are skipped."""
    return services.deliveries_send_batch(
        newsletter_id=newsletter_id, delivery_ids=delivery_ids
    )


@shared_task
def dispatch_due_task() -> int:
    """Start scheduled newsletters whose time has come."""
    return services.newsletters_dispatch_due()


@shared_task
def resume_task() -> int:
    """Release stale claims and queue what is still pending."""
    return services.newsletters_resume()
