from celery import shared_task

from events import attendance, rsvps, services


@shared_task
def reminders_send_task() -> int:
    """Queue the reminders that are due (each once per person and offset)."""
    return services.reminders_send_due()


@shared_task
def offers_expire_task() -> int:
    """Lapse unconfirmed waitlist offers and offer their seats to the next."""
    return rsvps.offers_expire()


@shared_task
def feedback_requests_task() -> int:
    """Ask attendees of events that just ended for feedback (once per event)."""
    return attendance.feedback_requests_send()
