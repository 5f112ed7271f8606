from celery import shared_task

from events import attendance, messages, rsvps, services


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


@shared_task
def event_message_deliver_task(message_id: int) -> int:
    """Queue an organiser's message to each recipient (once each, retry-safe)."""
    return messages.event_message_deliver(message_id=message_id)


@shared_task
def event_messages_resume_task() -> int:
    """Beat: deliver organisers' messages a worker never finished."""
    return messages.event_messages_resume()
